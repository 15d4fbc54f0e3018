"""How full Redis is against its maxmemory: past a warning mark the operator is told, past a
refusal mark ingest slows down, so Redis never reaches the point where it refuses writes."""

from __future__ import annotations

from dataclasses import dataclass

import redis

WARN_AT = 0.8
REFUSE_AT = 0.9


@dataclass(frozen=True)
class MemoryUse:
    used_bytes: int
    max_bytes: int  # 0: no limit set

    @property
    def ratio(self) -> float:
        return self.used_bytes / self.max_bytes if self.max_bytes else 0.0

    def describe(self) -> str:
        mb = 1024 * 1024
        return (
            f"Redis uses {self.used_bytes / mb:,.0f} MB of its {self.max_bytes / mb:,.0f} MB "
            f"maxmemory ({self.ratio:.0%})"
        )


def memory_use(client: redis.Redis) -> MemoryUse:
    info = client.info("memory")
    return MemoryUse(int(info.get("used_memory", 0)), int(info.get("maxmemory", 0)))
