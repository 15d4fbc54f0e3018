"""The ingest ledger: every accepted mention until it is stored or dead-lettered.

Redis lists lose a message a worker popped before it recorded it; the ledger closes that gap.
Producers record ids here before publishing; the sweeper re-publishes any id that outlives
its deadline, from whichever stage record it still has.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

import redis

from escucha.core import keys
from escucha.pipeline import lua_scripts

COUNTED = (keys.LEDGER, keys.LEDGER_TENANTS)


class Ledger:
    """Each tenant's share is counted as ids enter and leave, so a tenant's backlog can be
    limited without scanning the ledger."""

    def __init__(self, client: redis.Redis) -> None:
        self.redis = client
        self._accept = lua_scripts.script(client, "ledger_accept")
        self._resolve = lua_scripts.script(client, "ledger_resolve")

    def accept(self, ids: Iterable[str], pipe: redis.client.Pipeline, now: float) -> None:
        listed = list(dict.fromkeys(ids))
        if listed:
            self._accept(keys=COUNTED, args=[now, *listed], client=pipe)

    def resolve(self, ids: Sequence[str], pipe: redis.client.Pipeline) -> None:
        if ids:
            self._resolve(keys=[*COUNTED, keys.LEDGER_SWEEPS], args=list(ids), client=pipe)

    def pending(self) -> int:
        return int(self.redis.zcard(keys.LEDGER))

    def pending_by_tenant(self, tenants: Iterable[str]) -> dict[str, int]:
        listed = list(tenants)
        counts = self.redis.hmget(keys.LEDGER_TENANTS, listed) if listed else []
        return {t: int(n or 0) for t, n in zip(listed, counts, strict=True)}

    def pending_among(self, ids: Sequence[str]) -> int:
        return len(self.still_pending(ids))

    def still_pending(self, ids: Sequence[str]) -> set[str]:
        """Those of `ids` accepted and not yet stored or dead-lettered."""
        if not ids:
            return set()
        scores = self.redis.zmscore(keys.LEDGER, list(ids))
        return {i for i, score in zip(ids, scores, strict=True) if score is not None}

    def oldest_age_s(self) -> float | None:
        oldest = self.redis.zrange(keys.LEDGER, 0, 0, withscores=True)
        return time.time() - float(oldest[0][1]) if oldest else None

    def overdue(self, deadline_s: float, limit: int = 5000) -> list[str]:
        cutoff = time.time() - deadline_s
        found = self.redis.zrangebyscore(keys.LEDGER, "-inf", cutoff, start=0, num=limit)
        return [keys.as_text(i) for i in found if isinstance(i, bytes | str)]

    def mark_swept(self, ids: Sequence[str], counted: bool = True) -> dict[str, int]:
        """Restart each id's deadline and, if `counted`, count the sweep; returns the sweeps
        counted so far per id."""
        now = time.time()
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.zadd(keys.LEDGER, {i: now for i in ids}, xx=True)
            for mention_id in ids:
                pipe.hincrby(keys.LEDGER_SWEEPS, mention_id, 1 if counted else 0)
            results = pipe.execute()
        return dict(zip(ids, (int(n) for n in results[1:]), strict=True))
