"""Dead-letter lists, one per stage: what could not go on, with what, where and why."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import redis

from escucha import keys
from escucha.ledger import Ledger
from escucha.models import DeadLetter
from escucha.stats import Stats

INGEST = "ingest"


class DeadLetters:
    def __init__(self, client: redis.Redis, ledger: Ledger, stats: Stats) -> None:
        self.redis = client
        self.ledger = ledger
        self.stats = stats

    def push(self, letters: Sequence[DeadLetter], staged_keys: Sequence[str] = ()) -> None:
        """Record letters; their mentions leave the ledger and their staged records go."""
        if not letters:
            return
        with self.redis.pipeline(transaction=True) as pipe:
            for letter in letters:
                pipe.rpush(keys.dead_letters(letter.stage), letter.model_dump_json())
            if staged_keys:
                pipe.delete(*staged_keys)
            self.ledger.resolve([x.mention_id for x in letters if x.mention_id], pipe)
            self.stats.add("dead_lettered", len(letters), pipe)
            pipe.execute()

    def stages(self) -> list[str]:
        prefix = len(keys.dead_letters(""))
        found = self.redis.scan_iter(keys.DEAD_LETTER_PATTERN, count=500)
        return sorted(k.decode()[prefix:] for k in found if b":replaying" not in k)

    def sizes(self) -> dict[str, int]:
        return {stage: int(self.redis.llen(keys.dead_letters(stage))) for stage in self.stages()}

    def list(self, stage: str, limit: int = 100) -> list[DeadLetter]:
        rows = self.redis.lrange(keys.dead_letters(stage), 0, limit - 1)
        return [DeadLetter.model_validate_json(row) for row in rows]

    def replay(self, stage: str, redrive: Callable[[DeadLetter], None]) -> int:
        """Hand every letter of a stage to `redrive`, one at a time, without losing any on a crash.

        A letter moves to a 'replaying' list first and leaves it only once re-driven, so a crash
        mid-replay leaves it where `replay` finds it again.
        """
        source = keys.dead_letters(stage)
        holding = f"{source}:replaying"
        # Letters left from an interrupted replay go first.
        while self.redis.lmove(holding, source, "RIGHT", "LEFT") is not None:
            pass
        count = 0
        for _ in range(int(self.redis.llen(source))):
            raw = self.redis.lmove(source, holding, "LEFT", "RIGHT")
            if raw is None:
                break
            redrive(DeadLetter.model_validate_json(raw))
            self.redis.lrem(holding, 1, raw)  # type: ignore[arg-type]  # bytes are fine
            self.stats.add("replayed", 1)
            count += 1
        return count
