"""Channel health: events, failures, signature failures, and silence raised once."""

import time

from escucha import events
from escucha.channel_health import ChannelHealth


def test_a_silent_channel_raises_one_health_event(redis_client):
    health = ChannelHealth(redis_client, {"meta": 60})
    health.event("meta")
    health.signature_failure("meta", "sha256 signature does not match the body")
    (status,) = health.report()
    assert (status.status, status.events) == ("ok", 1)
    assert status.last_signature_failure.startswith("sha256")
    later = time.time() + 120
    assert health.report(now=later)[0].status == "silent"
    assert health.raise_silence_events(now=later) == ["meta"]
    assert health.raise_silence_events(now=later) == []  # once per silence
    assert [e["channel"] for e in events.read(redis_client)] == ["meta"]
    health.event("meta")  # it spoke again: a later silence is a new event
    assert health.raise_silence_events(now=time.time() + 120) == ["meta"]


def test_three_failures_in_a_row_is_failing(redis_client):
    health = ChannelHealth(redis_client)
    for _ in range(3):
        health.error("feed:blog", "ConnectError: refused", interval_s=300)
    status = health.report()[0]
    assert (status.status, status.consecutive_errors, status.expected_interval_s) == (
        "failing", 3, 300,
    )  # fmt: skip
    health.event("feed:blog")
    assert health.report()[0].status == "ok"
