"""Channel health: events, failures, signature failures, and silence raised once."""

import time

from escucha.channels.health import ChannelHealth
from escucha.pipeline import events


def test_a_silent_channel_raises_one_health_event(redis_client):
    health = ChannelHealth(redis_client, {"meta": 60})
    health.event("sol", "meta")
    health.signature_failure("meta", "sha256 signature does not match the body")
    (status,) = health.report("sol")
    assert (status.status, status.events) == ("ok", 1)
    (endpoint,) = health.report("*")  # a refused signature is nobody's: the operator's record
    assert endpoint.last_signature_failure.startswith("sha256")
    later = time.time() + 120
    assert health.report("sol", now=later)[0].status == "silent"
    assert health.raise_silence_events(now=later) == ["sol:meta"]
    assert health.raise_silence_events(now=later) == []  # once per silence
    assert [e["channel"] for e in events.read(redis_client, "sol")] == ["meta"]
    assert events.read(redis_client, "other") == []  # on the tenant's own stream only
    health.event("sol", "meta")  # it spoke again: a later silence is a new event
    assert health.raise_silence_events(now=time.time() + 120) == ["sol:meta"]


def test_three_failures_in_a_row_is_failing(redis_client):
    health = ChannelHealth(redis_client)
    for _ in range(3):
        health.error("sol", "feed:blog", "ConnectError: refused", interval_s=300)
    status = health.report("sol")[0]
    assert (status.status, status.consecutive_errors, status.expected_interval_s) == (
        "failing", 3, 300,
    )  # fmt: skip
    health.event("sol", "feed:blog")
    assert health.report("sol")[0].status == "ok"


def test_each_tenant_sees_only_its_own_channels(redis_client):
    health = ChannelHealth(redis_client)
    health.event("a", "feed:blog")
    health.error("b", "feed:blog", "HTTP 500")
    health.unmapped("meta", ["meta:999"])
    assert [(c.tenant, c.status) for c in health.report("a")] == [("a", "ok")]
    assert [c.tenant for c in health.report("b")] == ["b"]
    assert {c.tenant for c in health.report()} == {"a", "b", "*"}
    (endpoint,) = health.report("*")
    assert (endpoint.unmapped, endpoint.last_unmapped) == (1, "meta:999")
