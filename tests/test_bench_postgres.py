"""`escucha bench --database postgresql://...`, and the batch upsert it leans on: one statement
over arrays on PostgreSQL, with the same outcome as upserting the rows one after another."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escucha.store.schema import MentionRow
from escucha.store.store import Store
from tests.factories import triaged
from tests.postgres_server import fresh_database
from workers import pipeline_bench
from workers.pipeline_bench import DatabaseNotEmpty, prepare_database

ROOT = Path(__file__).resolve().parents[1]


def bench(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(tmp)}  # where the bench makes (and removes) its folder
    return subprocess.run([sys.executable, "-m", "workers.cli", "bench", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=280)  # fmt: skip


def test_the_option_takes_postgresql_urls_on_psycopg():
    assert pipeline_bench.postgres_url("postgresql://u@h:5/d") == "postgresql+psycopg://u@h:5/d"
    assert pipeline_bench.postgres_url("postgresql+psycopg://u@h/d") == "postgresql+psycopg://u@h/d"
    with pytest.raises(ValueError, match="not a PostgreSQL URL"):
        pipeline_bench.postgres_url("sqlite:///bench.db")


def test_the_command_line_refuses_a_database_that_is_not_postgresql(tmp_path):
    refused = bench("--database", "sqlite:///x.db", tmp=tmp_path)
    assert refused.returncode == 2 and "not a PostgreSQL URL" in refused.stderr


@pytest.mark.postgres
def test_the_bench_stores_in_the_given_database_and_names_it(postgres_url, tmp_path):
    with fresh_database(postgres_url, "bench_tiny") as url:
        given = url.replace("postgresql+psycopg://", "postgresql://", 1)  # as a user types it
        run = bench("--mentions", "100", "--naive", "10", "--campaign", "0", "--rate", "40",
                    "--seconds", "1", "--topology", "fused", "--database", given, "--json",
                    tmp=tmp_path)  # fmt: skip
        assert run.returncode == 0, run.stderr[-2000:]
        figures = json.loads(run.stdout.strip().splitlines()[-1])
        assert figures["store"].startswith("PostgreSQL ") and "/bench_tiny" in figures["store"]
        assert "stored in PostgreSQL" in run.stdout  # the table's title names the store
        store = Store.from_url(url)
        with Session(store.engine) as session:
            counted = dict(session.execute(
                select(MentionRow.source, func.count()).group_by(MentionRow.source)
            ).all())  # fmt: skip
        store.dispose()
        # the mix's few exact repeats and unrelated posts are not stored, in any store
        assert set(counted) == {"warmup-fused", "bench-fused", "paced-fused", "naive"}
        assert counted["bench-fused"] >= 90 and counted["naive"] >= 9
        assert not list(tmp_path.glob("escucha-bench-*"))  # its Redis and logs are gone

        again = bench("--mentions", "10", "--database", given, tmp=tmp_path)
        said = " ".join(again.stderr.replace("│", " ").split())  # unwrapped from its box
        assert again.returncode == 2 and f"holds {sum(counted.values()):,} mentions" in said


@pytest.mark.postgres
def test_a_database_holding_mentions_is_refused_before_it_is_migrated(postgres_url):
    with fresh_database(postgres_url, "bench_used") as url:
        assert prepare_database(url).startswith("PostgreSQL ")  # fresh: migrated, accepted
        store = Store.from_url(url)
        store.save([triaged(1)])
        store.dispose()
        with pytest.raises(DatabaseNotEmpty, match="holds 1 mentions"):
            prepare_database(url)


@pytest.mark.postgres
def test_in_one_batch_the_newest_version_of_a_mention_wins_wherever_it_is(store):
    newest = triaged(5, text="Todo resuelto", updated_at="2026-11-20T13:00:00Z")
    older = triaged(5, text="Quiero mi reembolso", updated_at="2026-11-20T11:00:00Z")
    older.accepted_at = newest.accepted_at + timedelta(minutes=5)  # arrived later, still older
    store.save([older, newest, older])
    assert store.count() == 1 and store.get("default:x:5").text == "Todo resuelto"
    store.save([triaged(5, text="Una versión sin editar")])  # older than the stored edit
    assert store.get("default:x:5").text == "Todo resuelto"


@pytest.mark.postgres
def test_in_one_batch_a_tie_goes_to_the_later_arrival_then_to_the_later_row(store):
    first = triaged(6, text="primera llegada")
    arrived = first.accepted_at + timedelta(seconds=1)
    later = first.model_copy(update={"text": "segunda llegada", "accepted_at": arrived})
    store.save([later, first])
    assert store.get("default:x:6").text == "segunda llegada"
    same = later.model_copy(update={"text": "la misma llegada, después en el lote"})
    store.save([later, same])  # one version, one arrival: as if upserted one after another
    assert store.get("default:x:6").text == "la misma llegada, después en el lote"
    assert store.count() == 1


@pytest.mark.postgres
def test_a_batch_mixing_new_and_stored_mentions_keeps_each_ones_newest(store):
    stored = [triaged(n, updated_at="2026-11-20T12:00:00Z") for n in range(3)]
    store.save(stored)
    replayed = [triaged(n, text=f"versión vieja {n}") for n in range(3)]  # unedited: older
    fresh = [triaged(n) for n in range(3, 6)]
    store.save([*replayed, *fresh])
    assert store.count() == 6
    assert [store.get(f"default:x:{n}").text for n in range(3)] == [m.text for m in stored]
    assert store.get("default:x:4").reasons == fresh[1].triage.reasons
