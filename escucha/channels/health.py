"""Per-channel health: when it last spoke, how often it failed, whether it has gone quiet.

A channel is a webhook source ('meta', 'x', 'mastodon') or one poller ('feed:blog'), and each
tenant has its own record of it. A shared endpoint also keeps a record of its own, under the
tenant '*', for what belongs to no tenant: refused signatures and accounts no tenant owns;
only the operator sees it. Each channel has an expected interval; silence longer than that is
a health event, raised once per silence on the tenant's stream.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping

import redis
from pydantic import BaseModel

from escucha.core import keys
from escucha.pipeline import events
from escucha.pipeline.redis_memory import WARN_AT, MemoryUse


class ChannelStatus(BaseModel):
    tenant: str  # '*' for a shared endpoint's own record
    name: str
    status: str  # ok | silent | failing | new
    last_event_at: float | None = None
    events: int = 0
    errors: int = 0
    consecutive_errors: int = 0
    last_error: str | None = None
    last_error_at: float | None = None
    last_signature_failure: str | None = None
    last_signature_failure_at: float | None = None
    unmapped: int = 0  # events for accounts no tenant owns
    last_unmapped: str | None = None
    expected_interval_s: float | None = None
    silent_for_s: float | None = None


class ChannelHealth:
    def __init__(self, client: redis.Redis, expected: Mapping[str, float] | None = None) -> None:
        self.redis = client
        self.expected = dict(expected or {})

    def _touch(
        self, pipe: redis.client.Pipeline, tenant: str, name: str, interval_s: float | None
    ) -> None:
        pipe.sadd(keys.CHANNELS, f"{tenant}:{name}")
        interval = interval_s or self.expected.get(name)
        if interval:
            pipe.hset(keys.channel(tenant, name), "expected_interval_s", interval)

    def event(
        self, tenant: str, name: str, count: int = 1, interval_s: float | None = None
    ) -> None:
        """The channel delivered `count` items (or a poll succeeded with `count` new ones)."""
        key = keys.channel(tenant, name)
        with self.redis.pipeline(transaction=True) as pipe:
            self._touch(pipe, tenant, name, interval_s)
            pipe.hset(key, mapping={"last_event_at": time.time(), "consecutive_errors": 0})
            pipe.hincrby(key, "events", count)
            pipe.hdel(key, "silent_since")
            pipe.execute()

    def error(self, tenant: str, name: str, reason: str, interval_s: float | None = None) -> int:
        """Record a failure; returns how many failed in a row (for back-off)."""
        key = keys.channel(tenant, name)
        with self.redis.pipeline(transaction=True) as pipe:
            self._touch(pipe, tenant, name, interval_s)
            pipe.hset(key, mapping={"last_error": reason[:500], "last_error_at": time.time()})
            pipe.hincrby(key, "errors", 1)
            pipe.hincrby(key, "consecutive_errors", 1)
            *_, consecutive = pipe.execute()
        return int(consecutive)

    def signature_failure(self, name: str, reason: str) -> None:
        """A refused signature belongs to no tenant: it goes on the endpoint's own record."""
        key = keys.channel(keys.ENDPOINT, name)
        with self.redis.pipeline(transaction=True) as pipe:
            self._touch(pipe, keys.ENDPOINT, name, None)
            pipe.hset(
                key,
                mapping={
                    "last_signature_failure": reason[:500],
                    "last_signature_failure_at": time.time(),
                },
            )
            pipe.execute()

    def unmapped(self, name: str, accounts: Iterable[str]) -> None:
        """Signed events came for accounts no tenant owns; they were refused."""
        accounts = sorted(accounts)
        if not accounts:
            return
        key = keys.channel(keys.ENDPOINT, name)
        with self.redis.pipeline(transaction=True) as pipe:
            self._touch(pipe, keys.ENDPOINT, name, None)
            pipe.hincrby(key, "unmapped", len(accounts))
            pipe.hset(key, "last_unmapped", ", ".join(accounts)[:500])
            pipe.execute()

    def report(self, tenant: str | None = None, now: float | None = None) -> list[ChannelStatus]:
        """Every record (the operator's view), or one tenant's."""
        now = now or time.time()
        names = sorted(keys.as_text(n) for n in self.redis.smembers(keys.CHANNELS))
        pairs = [name.partition(":")[::2] for name in names]
        return [
            self._status(owner, name, now)
            for owner, name in pairs
            if tenant is None or owner == tenant
        ]

    def _status(self, tenant: str, name: str, now: float) -> ChannelStatus:
        raw = {
            keys.as_text(k): keys.as_text(v)
            for k, v in self.redis.hgetall(keys.channel(tenant, name)).items()
        }
        last = _number(raw.get("last_event_at"))
        expected = _number(raw.get("expected_interval_s")) or self.expected.get(name)
        silent_for = now - last if last else None
        consecutive = int(raw.get("consecutive_errors", 0))
        if consecutive >= 3:
            status = "failing"
        elif last is None:
            status = "new"
        elif expected and silent_for is not None and silent_for > expected:
            status = "silent"
        else:
            status = "ok"
        return ChannelStatus(
            tenant=tenant,
            name=name,
            status=status,
            last_event_at=last,
            events=int(raw.get("events", 0)),
            errors=int(raw.get("errors", 0)),
            consecutive_errors=consecutive,
            last_error=raw.get("last_error"),
            last_error_at=_number(raw.get("last_error_at")),
            last_signature_failure=raw.get("last_signature_failure"),
            last_signature_failure_at=_number(raw.get("last_signature_failure_at")),
            unmapped=int(raw.get("unmapped", 0)),
            last_unmapped=raw.get("last_unmapped"),
            expected_interval_s=expected,
            silent_for_s=silent_for,
        )

    def raise_silence_events(self, now: float | None = None) -> list[str]:
        """Announce channels that went quiet, once per silence; returns their names."""
        raised = []
        for channel in self.report(now=now):
            if channel.status != "silent" or channel.tenant == keys.ENDPOINT:
                continue
            key = keys.channel(channel.tenant, channel.name)
            if self.redis.hsetnx(key, "silent_since", time.time()):
                events.publish(
                    self.redis, channel.tenant, "channel.silent", channel=channel.name,
                    silent_for_s=f"{channel.silent_for_s or 0:.0f}",
                )  # fmt: skip
                raised.append(f"{channel.tenant}:{channel.name}")
        return raised


def _number(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None


def report_redis_memory(health: ChannelHealth, use: MemoryUse) -> bool:
    """Put Redis's memory on the endpoint's health record; True when past the warning mark."""
    if use.ratio >= WARN_AT:
        health.error(keys.ENDPOINT, "redis", f"{use.describe()}: nearing the limit")
        return True
    health.event(keys.ENDPOINT, "redis", 0)
    return False
