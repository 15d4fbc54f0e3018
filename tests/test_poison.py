"""Poison messages against real workers: each ends in the right dead-letter list with its
reason, the rest keep flowing, and `escucha dlq replay` re-drives them after a fix. In each
topology: split (a queue per stage) and fused."""

import json
import os
import subprocess
import sys
import time

import httpx
import pytest
import redis

from escucha.ops.launcher import Launcher
from escucha.pipeline.ingest import Row, ingest
from escucha.pipeline.stages import ENTRY, TOPOLOGIES, WorkerGroup
from tests.api_server import free_port
from tests.factories import raw
from tests.pipeline_helpers import worker_stack
from tests.poison_tasks import DONE, FIXED
from tests.processes import wait_until
from workers.app import app

pytestmark = pytest.mark.poison


@pytest.fixture(scope="module", params=TOPOLOGIES)
def stack(request, tmp_path_factory, redis_server):
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    topology = request.param
    root = tmp_path_factory.mktemp(f"poison-{topology}")
    port = free_port()
    settings = {
        "ESCUCHA_MAX_DELIVERIES": "3",
        "ESCUCHA_EXTRA_TASK_MODULES": json.dumps(["tests.poison_tasks"]),
    }
    options = {"beat": False, "metrics_port": port, "topology": topology}
    with worker_stack(redis_server.url, root, 50, settings, **options) as (
        launcher,
        ctx,
        store,
        env,
    ):
        yield launcher, ctx, store, env, root, f"http://127.0.0.1:{port}/metrics"  # stage worker's


def letters(ctx, stage):
    return ctx.dead_letters.list(stage)


def replay(env, stage):
    result = subprocess.run(
        [sys.executable, "-m", "workers.cli", "dlq", "replay", "--stage", stage],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def flowing(ctx, store, start):
    """Mentions keep going through the pipeline while poison sits in the queues."""
    report = ingest(ctx, [Row(raw(n)) for n in range(start, start + 100)])
    assert wait_until(lambda: store.count(report.accepted) == 100, 120), "the pipeline stalled"


def publish_raw(body: bytes, task: str | None, queue: str):
    headers = {"id": f"poison-{queue}", **({"task": task} if task else {})}
    with app.producer_or_acquire() as producer:
        producer.publish(body, routing_key=queue, exchange="", content_type="application/json",
                         content_encoding="utf-8", headers=headers)  # fmt: skip


def test_an_undecodable_body_is_dead_lettered(stack):
    _, ctx, store, *_ = stack
    publish_raw(b"\xff\xfe{not json", "escucha.normalize", "escucha.normalize")
    publish_raw(b"\xff\xfe{not json", None, "escucha.monitor")
    assert wait_until(lambda: len(letters(ctx, "broker")) == 2, 60), letters(ctx, "broker")
    reasons = [x.reason for x in letters(ctx, "broker")]
    assert all("undecodable" in r or "not a task" in r for r in reasons), reasons
    flowing(ctx, store, 0)


def test_workers_serve_metrics_of_the_whole_pipeline(stack):
    _, ctx, store, _, _, metrics_url = stack
    flowing(ctx, store, 50_000)
    text = httpx.get(metrics_url, timeout=10).text
    assert 'escucha_worker_rss_bytes{process="main"}' in text
    assert 'escucha_stage_mentions_total{stage="analyze"}' in text
    assert 'escucha_dead_letters{stage="broker"} 2.0' in text
    assert "escucha_accepted_to_stored_seconds_count" in text


def test_a_schema_violation_is_dead_lettered_at_its_stage(stack):
    _, ctx, store, *_ = stack
    with ctx.redis.pipeline(transaction=True) as pipe:  # staged as a buggy producer would
        ctx.staging.put_raw("raw", "default:x:bad-1", '{"id": "bad-1", "source": "x"}', pipe)
        ctx.ledger.accept(["default:x:bad-1"], pipe, time.time())
        pipe.execute()
    ctx.dispatch(ENTRY[ctx.topology].name, "schema-1", ["default:x:bad-1"])
    assert wait_until(lambda: letters(ctx, "normalize"), 60)
    (letter,) = letters(ctx, "normalize")
    assert letter.mention_id == "default:x:bad-1" and "invalid StagedMention" in letter.reason
    flowing(ctx, store, 100)


def test_failing_and_killing_tasks_are_dead_lettered_after_n_attempts_then_replayed(stack):
    _, ctx, store, env, *_ = stack
    app.send_task("escucha.poison.raises", args=[1])
    app.send_task("escucha.poison.kills", args=[2])
    buried = lambda: letters(ctx, "escucha.poison.raises") and letters(ctx, "escucha.poison.kills")  # noqa: E731
    assert wait_until(buried, 240, every_s=0.5)
    (failed,) = letters(ctx, "escucha.poison.raises")
    (killed,) = letters(ctx, "escucha.poison.kills")
    assert (failed.attempts, failed.reason) == (3, "ValueError: cannot handle item 1 yet")
    assert killed.attempts == 4 and "worker died 3 times" in killed.reason
    flowing(ctx, store, 200)
    ctx.redis.set(FIXED, 1)  # the fix is deployed
    replay(env, "escucha.poison.raises")
    replay(env, "escucha.poison.kills")
    done = lambda: {b"raises:1", b"kills:2"} <= ctx.redis.smembers(DONE)  # noqa: E731
    assert wait_until(done, 60)
    assert not letters(ctx, "escucha.poison.raises") and not letters(ctx, "escucha.poison.kills")


def test_an_unknown_task_is_dead_lettered_and_replayed_after_a_deploy(stack):
    launcher, ctx, store, env, root, _ = stack
    ctx.redis.delete("escucha:dlq:broker")
    app.send_task("escucha.poison.late", args=[3], queue="escucha.monitor")
    assert wait_until(lambda: letters(ctx, "broker"), 60)
    assert "unknown task 'escucha.poison.late'" in letters(ctx, "broker")[0].reason
    flowing(ctx, store, 300)
    # Deploy: a worker that knows the task takes over the monitor queue, then replay.
    modules = json.dumps(["tests.poison_tasks", "tests.poison_late"])
    deployed = Launcher({**env, "ESCUCHA_EXTRA_TASK_MODULES": modules}, root / "logs",
                        (WorkerGroup("store2", ("monitor",), 1),), beat=False).start()  # fmt: skip
    try:
        launcher.processes["monitor"].terminate()
        launcher.processes["monitor"].wait(30)
        replay(env, "broker")
        assert wait_until(lambda: b"late:3" in ctx.redis.smembers(DONE), 60)
    finally:
        deployed.stop()
