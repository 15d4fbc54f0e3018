"""Counting deliveries of a batch, so a batch that keeps killing its worker is stopped.

A delivery begins when a task starts and ends when it returns or hands off to a retry;
a batch whose worker died mid-way never ends its delivery, so the count climbs.
"""

from __future__ import annotations

import redis

from escucha.core import keys


class Deliveries:
    def __init__(self, client: redis.Redis, ttl_s: int) -> None:
        self.redis = client
        self.ttl_s = ttl_s

    def begin(self, stage: str, batch_id: str) -> int:
        key = keys.deliveries(stage, batch_id)
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, self.ttl_s)
            count, _ = pipe.execute()
        return int(count)

    def end(self, stage: str, batch_id: str) -> None:
        self.redis.delete(keys.deliveries(stage, batch_id))
