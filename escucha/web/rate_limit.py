"""Per-source request limits, counted in Redis so every API process shares them."""

from __future__ import annotations

import time

import redis

from escucha.core import keys


class RateLimiter:
    def __init__(self, client: redis.Redis, per_window: int, window_s: int = 60) -> None:
        self.redis = client
        self.per_window = per_window
        self.window_s = window_s

    def retry_after(self, source: str, cost: int = 1, limit: int | None = None) -> int:
        """0 when the request may go on; otherwise seconds until the window resets."""
        now = time.time()
        window = int(now // self.window_s)
        key = keys.rate_window(source, window)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.incrby(key, cost)
            pipe.expire(key, self.window_s * 2)
            used, _ = pipe.execute()
        if int(used) <= (limit or self.per_window):
            return 0
        return max(1, int((window + 1) * self.window_s - now + 0.999))
