"""API key records by id, cached for a few seconds so a request costs no SQL round trip."""

from __future__ import annotations

import time
from collections.abc import Callable

from escucha.store.api_keys import ApiKeys, KeyRecord


class KeyCache:
    """Key records by id, each kept `ttl_s` seconds: a revoked key is refused within that."""

    def __init__(
        self, keys: ApiKeys, ttl_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.keys, self.ttl_s, self.clock = keys, ttl_s, clock
        self._records: dict[str, tuple[float, KeyRecord | None]] = {}

    def find(self, key_id: str) -> KeyRecord | None:
        now = self.clock()
        cached = self._records.get(key_id)
        if cached is None or now - cached[0] >= self.ttl_s:
            cached = (now, self.keys.find(key_id))
            if len(self._records) > 10_000:  # unknown ids must not grow it without bound
                self._records.clear()
            self._records[key_id] = cached
        return cached[1]
