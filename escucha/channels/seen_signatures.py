"""Refusing replayed webhook deliveries: a signed body is accepted once within a window."""

from __future__ import annotations

import redis

from escucha.core import keys


class SeenSignatures:
    def __init__(self, client: redis.Redis, window_s: int) -> None:
        self.redis = client
        self.window_s = window_s

    def first_time(self, channel: str, digest: str) -> bool:
        return bool(
            self.redis.set(keys.signature_seen(channel, digest), 1, nx=True, ex=self.window_s)
        )

    def forget(self, channel: str, digest: str) -> None:
        """Undo `first_time` when the delivery was not accepted, so the sender's retry gets in."""
        self.redis.delete(keys.signature_seen(channel, digest))
