"""`escucha bench-queries` on a tiny store: what it builds, that every query it times reads real
rows, what it prints, and that its temporary folder goes. Speed is measured, never asserted."""

import json
import tempfile
from pathlib import Path

import pytest
import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from escucha.cli.bench_queries import bench_queries
from escucha.store.schema import CaseEventRow, CaseRow, ContactRow, MentionRow, OutboxRow, RollupRow
from escucha.store.store import make_engine

QUERIES = ("search", "inbox", "case", "dashboard", "crisis")
TINY = ["--mentions", "2000", "--tenants", "4", "--repeat", "5", "--json"]


def run(*args: str) -> tuple[str, dict]:
    app = typer.Typer()
    app.command()(bench_queries)
    result = CliRunner().invoke(app, [*TINY, *args])
    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    return result.stdout, json.loads(last)


def counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    tables = {"mentions": MentionRow, "cases": CaseRow, "rollups": RollupRow,
              "events": CaseEventRow, "contacts": ContactRow, "replies": OutboxRow}  # fmt: skip
    with Session(engine) as session:
        found = {k: int(session.scalar(select(func.count()).select_from(t)) or 0)
                 for k, t in tables.items()}  # fmt: skip
        found["case_ids"] = int(session.scalar(select(func.count(MentionRow.case_id.distinct()))))
        found["working"] = int(session.scalar(
            select(func.count()).select_from(CaseRow).where(CaseRow.status.in_(("new", "open")))
        ))  # fmt: skip
    engine.dispose()
    return found


def check_figures(figures: dict, stored: dict[str, int]) -> None:
    assert figures["mentions"] == stored["mentions"] == 2000
    assert figures["cases"] == stored["cases"] == stored["case_ids"] > 100
    assert figures["rollups"] == stored["rollups"] > 1000
    assert stored["working"] and stored["events"] and stored["contacts"] and stored["replies"]
    for name in QUERIES:
        measured = figures[name]
        assert measured["samples"] >= 5 and measured["capped"] == 0, (name, measured)
        assert measured["p95_ms"] >= measured["p50_ms"] > 0
        assert measured["min_rows"] > 0, f"{name} read nothing in some sample: {measured}"
    assert figures["search"]["target_p95_ms"] == 100
    assert figures["dashboard"]["target_p95_ms"] == 200


def test_a_tiny_run_on_sqlite_reads_real_rows_and_prints_every_figure(tmp_path):
    output, figures = run("--keep", str(tmp_path / "kept"))
    check_figures(figures, counts(f"sqlite:///{tmp_path / 'kept' / 'escucha.db'}"))
    for name in QUERIES:
        assert f"│ {name}" in output
    assert "seeded random analysis labels" in output


def test_the_temporary_folder_is_removed_when_the_run_ends(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    _, figures = run()
    assert figures["mentions"] == 2000
    assert not list(Path(tmp_path).glob("escucha-bench-queries-*"))


def test_a_store_kept_is_measured_again_without_building(tmp_path):
    run("--keep", str(tmp_path))
    _, figures = run("--keep", str(tmp_path), "--reuse")
    assert figures["mentions"] == 2000 and figures["build_s"] == {}


@pytest.mark.postgres
def test_a_tiny_run_on_postgresql(postgres_url):
    from tests.postgres_server import fresh_database

    with fresh_database(postgres_url, "bench_queries") as url:
        _, figures = run("--database", url)
        assert figures["database"] == "postgresql"
        check_figures(figures, counts(url))
