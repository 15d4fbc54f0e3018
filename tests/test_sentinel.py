"""Redis Sentinel: the primary dies mid-run, a replica takes over, nothing acknowledged is lost.

A primary, a replica and three sentinels (real processes); the workers and this test reach
them only through the sentinels. Mentions go in, batch after batch, while the primary is
SIGKILLed; ingest keeps going, retrying what the failover refused, and every mention it
acknowledged is stored exactly once. ESCUCHA_REQUIRE_SENTINEL=1 (CI) fails instead of
skipping when redis-server cannot run as a sentinel.
"""

import os
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escucha.core.errors import TRANSIENT_ERRORS
from escucha.pipeline.ingest import Row, ingest
from escucha.store.schema import MentionRow
from tests.factories import raw
from tests.pipeline_helpers import wait_stored, worker_stack
from tests.processes import wait_until
from tests.sentinel_group import SentinelGroup, SentinelUnavailable

pytestmark = [pytest.mark.crash, pytest.mark.sentinel]
MASTER = "escucha"
BATCH = 50
BATCHES = 50  # 2,500 mentions: the kill lands with a backlog in flight and more to come
KILL_AFTER = 15  # batches acknowledged before the primary dies
REJOIN_AFTER_S = 3.0  # then it comes back, as a supervisor would, and Sentinel demotes it


@pytest.fixture
def group(tmp_path):
    try:
        with SentinelGroup(tmp_path / "redis", MASTER) as started:
            yield started
    except SentinelUnavailable as error:
        if os.environ.get("ESCUCHA_REQUIRE_SENTINEL") == "1":
            pytest.fail(f"Sentinel is required (ESCUCHA_REQUIRE_SENTINEL=1) but: {error}")
        pytest.skip(f"redis-server cannot run as a sentinel here: {error}")


def rows(batch):
    start = batch * BATCH
    return [Row(raw(n, author=f"c{n % 97}")) for n in range(start, start + BATCH)]


def test_killing_the_primary_loses_and_duplicates_no_acknowledged_mention(group, tmp_path):
    settings = {
        "ESCUCHA_VISIBILITY_TIMEOUT_S": "20",
        "ESCUCHA_LEDGER_DEADLINE_S": "10",  # what the failover dropped is re-sent this soon
        "ESCUCHA_SWEEP_INTERVAL_S": "2",
    }
    options = {"ping": False, "beat": True, "supervise": True, "master": MASTER}
    with worker_stack(group.url, tmp_path, BATCH, settings, **options) as (_, ctx, store, _):
        first_primary = group.primary.port
        acknowledged: list[str] = []
        refused = 0
        killed_at = None
        deadline = time.monotonic() + 60
        for batch in range(BATCHES):
            if batch == KILL_AFTER:
                group.primary.kill()  # SIGKILL: no goodbye to the replica or the sentinels
                killed_at = time.monotonic()
            while True:
                if killed_at and time.monotonic() - killed_at > REJOIN_AFTER_S:
                    group.primary.start()  # its old port and AOF; Sentinel makes it a replica
                    killed_at = None
                try:
                    acknowledged += ingest(ctx, rows(batch)).accepted
                    break
                except TRANSIENT_ERRORS:
                    refused += 1  # a producer's 503: send the same mentions again
                    assert time.monotonic() < deadline, "ingest never recovered from failover"
                    time.sleep(0.2)
        assert refused, "the failover never refused a batch: the primary died too late"
        assert group.primary_port() != first_primary, "Sentinel promoted nobody"
        assert len(acknowledged) == BATCH * BATCHES

        wait_stored(ctx, acknowledged, timeout_s=90)
        with Session(store.engine) as session:
            counted = session.execute(
                select(MentionRow.id, func.count())
                .where(MentionRow.id.in_(acknowledged))
                .group_by(MentionRow.id)
            ).all()
        assert len(counted) == len(acknowledged), "acknowledged mentions were lost"
        assert all(n == 1 for _, n in counted), "a mention was stored twice"
        assert wait_until(lambda: not any(ctx.dead_letters.sizes().values()), 5), (
            ctx.dead_letters.sizes()
        )
