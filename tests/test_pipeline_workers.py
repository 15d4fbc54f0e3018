"""The whole pipeline with real Celery worker processes over a real redis-server, in each
topology: split (a queue per stage) and fused."""

import contextlib
import os
import signal
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escucha.core import keys
from escucha.core.tenant import Tenant
from escucha.ops.process_tree import children
from escucha.pipeline.ingest import Row, ingest
from escucha.pipeline.stages import TOPOLOGIES
from escucha.store.schema import CaseRow
from escucha.store.tenants import Tenants
from tests.factories import QUOTE_LUGGAGE, QUOTE_SERVICE, raw
from tests.pipeline_helpers import stage_doing, stage_worker, wait_stored, worker_stack
from tests.processes import wait_until

TEXTS = [
    "@aerosol mi vuelo {n} lleva {h} horas de retraso y nadie informa. Vergonzoso",
    "Gracias @aerosol por el vuelo {n}, la tripulación fue encantadora 😍",
    "@aerosol where is my refund for booking {n}? It has been {h} weeks",
    "¿A qué hora abre el mostrador para el vuelo {n}?",
    "Lost my bag on flight {n}, {h} days and no answer. Worst airline ever",
]


TENANT_CACHE_S = 1.0


def mentions(count, start=0):
    return [
        Row(
            raw(
                n,
                text=TEXTS[n % len(TEXTS)].format(n=n, h=n % 9 + 2),
                author=f"c{n % 300}",
                author_followers=n * 37 % 50_000,
            )
        )
        for n in range(start, start + count)
    ]


@pytest.fixture(scope="module", params=TOPOLOGIES)
def stack(request, tmp_path_factory, redis_server):
    import redis

    redis.Redis.from_url(redis_server.url).flushdb()
    topology = request.param
    root = tmp_path_factory.mktemp(f"stack-{topology}")
    settings = {
        "ESCUCHA_VISIBILITY_TIMEOUT_S": "30",
        "ESCUCHA_LEDGER_DEADLINE_S": "20",
        "ESCUCHA_SWEEP_INTERVAL_S": "2",
        "ESCUCHA_TENANT_CACHE_S": str(TENANT_CACHE_S),
    }
    with worker_stack(redis_server.url, root, 100, settings, beat=True, topology=topology) as (
        launcher,
        ctx,
        store,
        _,
    ):
        yield launcher, ctx, store, topology


def test_mentions_flow_to_the_store_analysed_and_triaged(stack):
    _, ctx, store, _ = stack
    long_post = "Llevo semanas esperando el reembolso del vuelo cancelado. " * 1800  # ~100 kB
    rows = [
        *mentions(500),
        Row(raw(9001, text=QUOTE_SERVICE)),
        Row(raw(9002, text=QUOTE_LUGGAGE)),
        Row(raw(9003, text=long_post)),
    ]
    report = ingest(ctx, rows)
    wait_stored(ctx, report.accepted)
    assert store.count(report.accepted) == len(rows)
    for mention_id in ("default:x:9001", "default:x:9002"):
        row = store.get(mention_id)
        assert row.sentiment == "negative" and row.complaint
        assert row.priority_label in ("high", "urgent") and row.reasons
    assert not any(
        ctx.redis.exists(keys.staged(k, "default:x:9001"))
        for k in ("raw", "normalized", "analyzed", "triaged")
    )


def test_workers_triage_each_mention_with_its_own_tenants_settings(stack):
    _, ctx, store, _ = stack
    tenants = Tenants(store.engine)
    tenants.put(Tenant(id="acme", brands=["@acme"], competitors=["Iberia"],
                       influencer_followers=1_000))  # fmt: skip
    tenants.put(Tenant(id="beta", brands=["Beta Air"], competitors=["Vueling"],
                       influencer_followers=1_000_000))  # fmt: skip
    time.sleep(TENANT_CACHE_S + 0.2)  # past every worker's copy of the tenants table
    text = "@acme me cancelaron el vuelo otra vez, con Iberia nunca me pasó"
    rows = [Row(raw(n, text=text, tenant=t, author_followers=5_000)) for n, t in
            [(1, "acme"), (2, "beta")]]  # fmt: skip
    rows.append(Row(raw(3, text="Beta Air perdió mi maleta y nadie responde", tenant="beta")))
    report = ingest(ctx, rows)
    wait_stored(ctx, report.accepted)
    acme, beta, named = (store.get(i) for i in ("acme:x:1", "beta:x:2", "beta:x:3"))
    assert acme.relevant and acme.case_id == "acme:x:cliente1"
    assert any(r.startswith("mentions competitor Iberia") for r in acme.reasons)
    assert any(r.startswith("influential author") for r in acme.reasons)
    assert not beta.relevant and beta.case_id is None
    assert any(r.startswith("author reach") for r in beta.reasons)
    assert named.relevant and named.case_id == "beta:x:cliente3"
    with Session(store.engine) as session:
        cases = session.scalars(select(CaseRow.id).where(CaseRow.tenant == "beta")).all()
    assert cases == ["beta:x:cliente3"]  # the noise opened none

    tenants.put(Tenant(id="beta", brands=["Beta Air", "@acme"]))  # edited while running
    time.sleep(TENANT_CACHE_S + 0.2)
    report = ingest(ctx, [Row(raw(4, text=text, tenant="beta"))])
    wait_stored(ctx, report.accepted)
    assert store.get("beta:x:4").relevant


def test_bad_rows_are_dead_lettered_while_the_rest_is_stored(stack):
    _, ctx, store, _ = stack
    rows = [
        *mentions(50, start=1000),
        Row(raw(1100, text=""), "f.csv line 9"),
        Row(raw(1101, created_at="not a date"), "f.csv line 10"),
    ]
    report = ingest(ctx, rows)
    wait_stored(ctx, report.accepted)
    assert store.count(report.accepted) == 50
    reasons = {x.location: x.reason for x in ctx.dead_letters.list("ingest")}
    assert reasons["f.csv line 9"].startswith("text:")
    assert reasons["f.csv line 10"].startswith("created_at:")


@pytest.mark.crash
def test_sigkill_of_a_worker_child_mid_batch_loses_and_duplicates_nothing(stack):
    launcher, ctx, store, topology = stack
    worker = stage_worker(topology)
    redelivered_before = ctx.stats.read().get("redelivered", 0)
    report = ingest(ctx, mentions(6000, start=20_000))
    # Found before the wait too: a batch lasts milliseconds, too short to scan /proc inside it.
    # Scanned again after it: a child past its memory limit is replaced between tasks.
    victims = set(children(launcher.processes[worker].pid))
    assert victims, "the stage worker has no pool children"
    doing = stage_doing(topology, "analyze")
    busy = lambda: any(ctx.redis.scan_iter(keys.deliveries(doing, "*"), count=1000))  # noqa: E731
    assert wait_until(busy, 30, every_s=0.005), "no analyze batch was ever in progress"
    for pid in victims | set(children(launcher.processes[worker].pid)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    wait_stored(ctx, report.accepted, timeout_s=180)
    assert store.count(report.accepted) == 6000
    assert ctx.stats.read().get("redelivered", 0) > redelivered_before, "the kill hit no batch"
    assert not ctx.dead_letters.list("analyze")
    assert time.monotonic() - killed_at < 180
