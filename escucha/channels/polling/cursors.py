"""Where each poller left off (since_id, ETag, next_token) and when it may try again, in Redis."""

from __future__ import annotations

import time

import redis

from escucha.core import keys


class Cursors:
    """One tenant's pollers: two tenants may each have a poller named 'feed:blog'."""

    def __init__(self, client: redis.Redis, tenant: str) -> None:
        self.redis = client
        self.tenant = tenant

    def read(self, poller: str) -> dict[str, str]:
        raw = self.redis.hgetall(keys.poll_cursor(self.tenant, poller))
        return {keys.as_text(k): keys.as_text(v) for k, v in raw.items()}

    def write(self, poller: str, values: dict[str, str | None]) -> None:
        """Set the given fields; a None value removes its field."""
        key = keys.poll_cursor(self.tenant, poller)
        with self.redis.pipeline(transaction=True) as pipe:
            if any(v is not None for v in values.values()):
                pipe.hset(key, mapping={k: v for k, v in values.items() if v is not None})
            if absent := [k for k, v in values.items() if v is None]:
                pipe.hdel(key, *absent)
            pipe.execute()

    def unseen(self, poller: str, item_ids: list[str]) -> list[str]:
        """The ids this poller has not ingested yet, in order."""
        if not item_ids:
            return []
        flags = self.redis.smismember(self._seen(poller), item_ids)
        return [item for item, seen in zip(item_ids, flags, strict=True) if not seen]

    def remember(self, poller: str, item_ids: list[str]) -> None:
        """Mark ids ingested; called only after ingest succeeded, so a failure loses nothing."""
        if item_ids:
            self.redis.sadd(self._seen(poller), *item_ids)

    def _seen(self, poller: str) -> str:
        return keys.poll_seen(self.tenant, poller)

    def back_off(self, poller: str, failures: int, interval_s: float, cap_s: float = 3600) -> float:
        """Wait interval·2^failures (capped) before the next attempt; returns that time."""
        wait = min(cap_s, interval_s * 2 ** min(failures, 16))
        return self.defer(poller, time.time() + wait)

    def defer(self, poller: str, until: float) -> float:
        self.write(poller, {"next_attempt_at": f"{until:.3f}"})
        return until

    def due(self, poller: str, now: float | None = None) -> bool:
        next_attempt = self.read(poller).get("next_attempt_at")
        return next_attempt is None or float(next_attempt) <= (now or time.time())
