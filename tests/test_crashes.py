"""Processes dying at the worst moment: every accepted mention ends stored exactly once.

Each test ingests a backlog, kills something mid-run, and waits for the ledger to drain.
The launcher supervises (restarts what exits), as systemd or compose would in production.
Every test runs in both topologies: split (a queue per stage) and fused.
"""

import os
import signal
import time

import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escucha.core import keys
from escucha.ops.process_tree import children
from escucha.ops.redis_server import RedisServer
from escucha.pipeline.ingest import Row, ingest
from escucha.pipeline.stages import TOPOLOGIES
from escucha.store.schema import MentionRow
from tests.factories import raw
from tests.pipeline_helpers import stage_doing, stage_worker, wait_stored, worker_stack
from tests.processes import wait_until

pytestmark = pytest.mark.crash
TEXTS = (
    "@aerosol mi vuelo {n} lleva horas de retraso y nadie informa",
    "Lost my bag on flight {n} and nobody answers. Worst airline ever",
    "Gracias por el vuelo {n}, la tripulación fue encantadora",
)


@pytest.fixture(scope="module", params=TOPOLOGIES)
def stack(request, tmp_path_factory):
    topology = request.param
    root = tmp_path_factory.mktemp(f"crashes-{topology}")
    server = RedisServer(root / "redis").start()
    settings = {
        "ESCUCHA_VISIBILITY_TIMEOUT_S": "30",
        "ESCUCHA_LEDGER_DEADLINE_S": "15",
        "ESCUCHA_SWEEP_INTERVAL_S": "2",
    }
    # This stack has a broker of its own; the test process's Celery app cannot ping it.
    stack_options = {"ping": False, "beat": True, "supervise": True, "topology": topology}
    try:
        with worker_stack(server.url, root, 100, settings, **stack_options) as stack:
            launcher, ctx, store, _ = stack
            yield launcher, ctx, store, server, topology
    finally:
        server.stop()


def backlog(ctx, count, start):
    numbers = range(start, start + count)
    rows = [Row(raw(n, text=TEXTS[n % 3].format(n=n), author=f"c{n % 97}")) for n in numbers]
    return ingest(ctx, rows).accepted


def in_progress(ctx, stage, ids):
    """Until the backlog is part way through: a batch of `stage` caught running, or some of
    `ids` stored while others wait. A batch's delivery key lives some 50 ms, and a SCAN over
    a keyspace grown by the earlier tests can miss every one, so progress is the other sign."""

    def running() -> bool:
        return any(ctx.redis.scan_iter(keys.deliveries(stage, "*"), count=1000))

    def part_way() -> bool:
        waiting = sum(s is not None for s in ctx.redis.zmscore(keys.LEDGER, ids))
        return 0 < waiting < len(ids)

    return wait_until(lambda: running() or part_way(), 60, 0.005)


def assert_stored_exactly_once(ctx, store, ids, timeout_s=240):
    wait_stored(ctx, ids, timeout_s)
    with Session(store.engine) as session:
        rows = session.scalar(select(func.count()).where(MentionRow.id.in_(ids)))
    assert rows == len(ids)
    assert not any(ctx.dead_letters.sizes().values()), ctx.dead_letters.sizes()


def test_sigkill_of_the_whole_worker_and_a_new_one_taking_over(stack):
    launcher, ctx, store, _, topology = stack
    worker = stage_worker(topology)
    ids = backlog(ctx, 4000, 0)
    assert in_progress(ctx, stage_doing(topology, "analyze"), ids), "no batch was ever in progress"
    main = launcher.processes[worker].pid
    for pid in [*children(main), main]:
        os.kill(pid, signal.SIGKILL)
    assert wait_until(lambda: launcher.restarts.get(worker, 0) >= 1, 30)
    assert_stored_exactly_once(ctx, store, ids)


def test_sigterm_during_a_backlog_finishes_or_hands_back_every_batch(stack):
    launcher, ctx, store, _, topology = stack
    worker = stage_worker(topology)
    ids = backlog(ctx, 4000, 10_000)
    assert in_progress(ctx, stage_doing(topology, "normalize"), ids)
    launcher.processes[worker].send_signal(signal.SIGTERM)  # warm shutdown
    assert wait_until(lambda: launcher.restarts.get(worker, 0) >= 2, 60)
    assert_stored_exactly_once(ctx, store, ids)


def test_sigkill_of_redis_mid_run_and_a_restart_on_the_same_data(stack):
    _, ctx, store, server, topology = stack
    ids = backlog(ctx, 4000, 20_000)
    assert in_progress(ctx, stage_doing(topology, "analyze"), ids)
    server.kill()  # appendonly yes, appendfsync everysec: acknowledged writes are in the AOF
    time.sleep(2)
    server.start()
    assert redis.Redis.from_url(server.url).zcard(keys.LEDGER) > 0  # the backlog survived
    assert_stored_exactly_once(ctx, store, ids)
