"""Dead-letter lists, one per stage: what could not go on, with what, where and why.

Bounded, so a flood of bad input cannot fill Redis: a refused row (never accepted; its
sender still has it) keeps at most `max_payload_bytes` of its payload with the whole one's
size and digest, and each list keeps its newest `max_letters`. Older letters move to a
JSON-lines file per stage under `spill_dir` (up to `max_spill_bytes`), or, without one or
past it, are counted as dropped.
A letter of an accepted mention keeps its whole payload: it is what a replay re-drives.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import redis

from escucha.core import keys
from escucha.core.models import DeadLetter
from escucha.pipeline import lua_scripts
from escucha.pipeline.ledger import Ledger
from escucha.pipeline.stats import Stats

INGEST = "ingest"
MAX_LETTERS = 10_000
MAX_PAYLOAD_BYTES = 4 * 1024  # 10,000 refused rows then hold at most 40 MB of payload
MAX_SPILL_BYTES = 64 * 1024 * 1024  # per stage file; past it, letters are counted as dropped


def bounded(letter: DeadLetter, limit: int) -> DeadLetter:
    """A refused row's letter with at most `limit` bytes of its payload."""
    if letter.stage != INGEST or letter.payload is None or letter.payload_truncated:
        return letter
    raw = letter.payload.encode("utf-8", "surrogateescape")
    if len(raw) <= limit:
        return letter
    return letter.model_copy(
        update={
            "payload": raw[:limit].decode("utf-8", "ignore"),
            "payload_truncated": True,
            "payload_bytes": len(raw),
            "payload_sha256": hashlib.sha256(raw).hexdigest(),
        }
    )


class DeadLetters:
    def __init__(
        self,
        client: redis.Redis,
        ledger: Ledger,
        stats: Stats,
        max_letters: int = MAX_LETTERS,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        spill_dir: Path | None = None,
        max_spill_bytes: int = MAX_SPILL_BYTES,
    ) -> None:
        self.redis = client
        self.ledger = ledger
        self.stats = stats
        self.max_letters = max_letters
        self.max_payload_bytes = max_payload_bytes
        self.spill_dir = spill_dir
        self.max_spill_bytes = max_spill_bytes
        self._push = lua_scripts.script(client, "push_capped")

    def push(self, letters: Sequence[DeadLetter], staged_keys: Sequence[str] = ()) -> None:
        """Record letters; their mentions leave the ledger and their staged records go."""
        if not letters:
            return
        by_stage: dict[str, list[str]] = defaultdict(list)
        for letter in letters:
            by_stage[letter.stage].append(bounded(letter, self.max_payload_bytes).model_dump_json())
        with self.redis.pipeline(transaction=True) as pipe:
            for stage, encoded in by_stage.items():
                self._push(
                    keys=[keys.dead_letters(stage)], args=[self.max_letters, *encoded], client=pipe
                )
            if staged_keys:
                pipe.delete(*staged_keys)
            self.ledger.resolve([x.mention_id for x in letters if x.mention_id], pipe)
            self.stats.add("dead_lettered", len(letters), pipe)
            trimmed = pipe.execute()[: len(by_stage)]
        for stage, overflow in zip(by_stage, trimmed, strict=True):
            self._spill(stage, [keys.as_text(x) for x in overflow])

    def _spill(self, stage: str, overflow: list[str]) -> None:
        if not overflow:
            return
        path = self.spill_dir / f"{stage}.jsonl" if self.spill_dir else None
        size = path.stat().st_size if path is not None and path.exists() else 0
        kept: list[str] = []
        for line in overflow:
            line_bytes = len(line.encode()) + 1  # with its newline
            if path is None or size + line_bytes > self.max_spill_bytes:
                break
            kept.append(line)
            size += line_bytes
        if path is not None and kept:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as spill:
                spill.writelines(f"{line}\n" for line in kept)
            self.stats.add("dead_letters_spilled", len(kept))
        if dropped := len(overflow) - len(kept):
            self.stats.add("dead_letters_dropped", dropped)

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
            self.redis.lrem(holding, 1, raw)  # bytes are fine
            self.stats.add("replayed", 1)
            count += 1
        return count
