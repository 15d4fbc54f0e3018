"""Per-channel health: when it last spoke, how often it failed, whether it has gone quiet.

A channel is a webhook source ('meta', 'x', 'mastodon') or one poller ('rss:blog'). Each has an
expected interval; silence longer than that is a health event, raised once per silence.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import redis
from pydantic import BaseModel

from escucha import events, keys


class ChannelStatus(BaseModel):
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
    expected_interval_s: float | None = None
    silent_for_s: float | None = None


class ChannelHealth:
    def __init__(self, client: redis.Redis, expected: Mapping[str, float] | None = None) -> None:
        self.redis = client
        self.expected = dict(expected or {})

    def _touch(self, pipe: redis.client.Pipeline, name: str, interval_s: float | None) -> None:
        pipe.sadd(keys.CHANNELS, name)
        interval = interval_s or self.expected.get(name)
        if interval:
            pipe.hset(keys.channel(name), "expected_interval_s", interval)

    def event(self, name: str, count: int = 1, interval_s: float | None = None) -> None:
        """The channel delivered `count` items (or a poll succeeded with `count` new ones)."""
        with self.redis.pipeline(transaction=True) as pipe:
            self._touch(pipe, name, interval_s)
            pipe.hset(
                keys.channel(name), mapping={"last_event_at": time.time(), "consecutive_errors": 0}
            )
            pipe.hincrby(keys.channel(name), "events", count)
            pipe.hdel(keys.channel(name), "silent_since")
            pipe.execute()

    def error(self, name: str, reason: str, interval_s: float | None = None) -> int:
        """Record a failure; returns how many failed in a row (for back-off)."""
        with self.redis.pipeline(transaction=True) as pipe:
            self._touch(pipe, name, interval_s)
            pipe.hset(
                keys.channel(name),
                mapping={"last_error": reason[:500], "last_error_at": time.time()},
            )
            pipe.hincrby(keys.channel(name), "errors", 1)
            pipe.hincrby(keys.channel(name), "consecutive_errors", 1)
            *_, consecutive = pipe.execute()
        return int(consecutive)

    def signature_failure(self, name: str, reason: str) -> None:
        with self.redis.pipeline(transaction=True) as pipe:
            self._touch(pipe, name, None)
            pipe.hset(
                keys.channel(name),
                mapping={
                    "last_signature_failure": reason[:500],
                    "last_signature_failure_at": time.time(),
                },
            )
            pipe.execute()

    def report(self, now: float | None = None) -> list[ChannelStatus]:
        now = now or time.time()
        names = sorted(keys.as_text(n) for n in self.redis.smembers(keys.CHANNELS))
        return [self._status(name, now) for name in names]

    def _status(self, name: str, now: float) -> ChannelStatus:
        raw = {
            keys.as_text(k): keys.as_text(v)
            for k, v in self.redis.hgetall(keys.channel(name)).items()
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
            expected_interval_s=expected,
            silent_for_s=silent_for,
        )

    def raise_silence_events(self, now: float | None = None) -> list[str]:
        """Announce channels that went quiet, once per silence; returns their names."""
        raised = []
        for channel in self.report(now):
            if channel.status != "silent":
                continue
            if self.redis.hsetnx(keys.channel(channel.name), "silent_since", time.time()):
                events.publish(
                    self.redis, "channel.silent", channel=channel.name,
                    silent_for_s=f"{channel.silent_for_s or 0:.0f}",
                )  # fmt: skip
                raised.append(channel.name)
        return raised


def _number(value: str | None) -> float | None:
    return float(value) if value not in (None, "") else None
