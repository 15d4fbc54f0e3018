"""Pipeline counters kept in Redis, so every process adds to the same figures."""

from __future__ import annotations

import redis

from escucha.core import keys


class Stats:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    def add(self, name: str, amount: int, pipe: redis.client.Pipeline | None = None) -> None:
        if amount:
            (pipe or self.redis).hincrby(keys.STATS, name, amount)

    def read(self) -> dict[str, int]:
        return {keys.as_text(k): int(v) for k, v in self.redis.hgetall(keys.STATS).items()}
