"""`escucha bench-queries`: build a store of realistic size, then time the product's reads."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:  # imported where used: every `escucha` command loads this module
    from escucha.bench.queries import Measured
    from escucha.bench.store_builder import Built, Shape

console = Console()
err = Console(stderr=True, soft_wrap=True)
WHAT = {
    "search": "find_mentions, q = one word (es, en)",
    "inbox": "inbox page: rows (listing x3, facts, agents) + choices",
    "case": "case page: history, outbox, contact card, others, canned",
    "dashboard": "build_report over 90 days + incidents (no charts)",
    "crisis": "Watch.signals (rollups, incidents) + current incident",
}


def bench_queries(
    mentions: Annotated[int, typer.Option(min=100, help="mentions to build")] = 1_000_000,
    tenants: Annotated[int, typer.Option(min=1, help="tenants; the first is the large one")] = 20,
    days: Annotated[int, typer.Option(min=1, help="days the mentions span, up to now")] = 120,
    repeat: Annotated[int, typer.Option(min=1, help="samples of each query")] = 30,
    database: Annotated[
        str | None, typer.Option(help="an empty database URL (postgresql://...); default: SQLite")
    ] = None,
    keep: Annotated[
        Path | None, typer.Option(file_okay=False, help="keep the SQLite store in this folder")
    ] = None,
    reuse: Annotated[
        bool, typer.Option(help="measure the store at --database or --keep as it is, no build")
    ] = False,
    cap: Annotated[float, typer.Option(min=0.1, help="seconds a sample may run")] = 10.0,
    budget: Annotated[
        float, typer.Option(min=1, help="seconds of samples per query, then it stops (min 5)")
    ] = 120.0,
    seed: Annotated[int, typer.Option()] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="end with one JSON line")] = False,
) -> None:
    """p50 and p95 of search, the inbox, a case page, a 90-day dashboard and a crisis check,
    on a store built from the load mix (SQLite in a temporary folder unless told otherwise)."""
    from escucha.bench.store_builder import Shape

    if reuse and not (database or keep):
        err.print("[red]--reuse[/] needs --database or --keep")
        raise typer.Exit(2)
    shape = Shape(mentions=mentions, tenants=tenants, days=days, seed=seed)
    with _location(database, keep) as url:
        built = _reused(url) if reuse else _built(url, shape, as_json)
        results = _measured(url, built, repeat, cap, budget, seed, as_json)
    _report(built, results, url, as_json)


@contextmanager
def _location(database: str | None, keep: Path | None) -> Iterator[str]:
    """The store's URL; a temporary folder for it is removed however the run ends."""
    if database:
        yield database.replace("postgresql://", "postgresql+psycopg://", 1)
        return
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{keep.resolve() / 'escucha.db'}"
        return
    folder = Path(tempfile.mkdtemp(prefix="escucha-bench-queries-"))
    try:
        yield f"sqlite:///{folder / 'escucha.db'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _columns() -> tuple[object, ...]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), TimeRemainingColumn())  # fmt: skip


def _built(url: str, shape: Shape, as_json: bool) -> Built:
    from rich.progress import Progress

    from escucha.bench.store_builder import build

    with Progress(*_columns(), console=err, transient=as_json) as progress:  # type: ignore[arg-type]
        bars = {"mentions": progress.add_task("saving mentions", total=shape.mentions),
                "cases": progress.add_task("giving cases a lifecycle", total=None)}  # fmt: skip

        def advance(phase: str, done: int, total: int | None) -> None:
            progress.update(bars[phase], advance=done, total=total)

        return build(url, shape, advance)


def _reused(url: str) -> Built:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from escucha.bench.store_builder import Built
    from escucha.core.models import as_utc
    from escucha.store.schema import CaseRow, MentionRow, RollupRow
    from escucha.store.store import make_engine
    from escucha.store.tenants import Tenants

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            latest = session.scalar(select(func.max(MentionRow.created_at)))
            if latest is None:
                err.print(f"[red]no mentions at {url}[/]: build it first")
                raise typer.Exit(2)
            built = Built(sorted(Tenants(engine).all(), key=lambda t: t.id), as_utc(latest))
            for name, table in (("mentions", MentionRow), ("cases", CaseRow),
                                ("rollups", RollupRow)):  # fmt: skip
                count = session.scalar(select(func.count()).select_from(table))
                setattr(built, name, int(count or 0))
        return built
    finally:
        engine.dispose()


def _measured(url: str, built: Built, repeat: int, cap: float, budget: float, seed: int,
              as_json: bool) -> list[Measured]:  # fmt: skip
    from rich.progress import Progress

    from escucha.bench.queries import inputs, measure
    from escucha.store.store import Store

    store = Store.from_url(url)
    try:
        given = inputs(store.engine, built.tenants, repeat, seed)
        with Progress(*_columns(), console=err, transient=as_json) as progress:  # type: ignore[arg-type]
            bar = progress.add_task("measuring", total=repeat * len(WHAT))
            return measure(store, given, built.now, cap, budget, lambda _: progress.advance(bar))
    finally:
        store.dispose()


def _report(built: Built, results: list[Measured], url: str, as_json: bool) -> None:
    from escucha.bench.queries import as_json as to_json
    from escucha.bench.store_builder import LABELS

    dialect = url.partition(":")[0].partition("+")[0]
    table = Table(title=f"escucha bench-queries: {built.mentions:,} mentions, {built.cases:,} "
                        f"cases, {built.rollups:,} rollup rows, {len(built.tenants)} tenants, "
                        f"{dialect}")  # fmt: skip
    for column in ("query", "p50 ms", "p95 ms", "target p95", "holds", "samples", "slowest"):
        table.add_column(column, justify="right" if "ms" in column or column == "samples"
                         else "left")  # fmt: skip
    for m in results:
        target = f"<= {m.target_ms:.0f} ms" if m.target_ms is not None else "none set"
        holds = {True: "[green]yes[/]", False: "[red]no[/]", None: "–"}[m.holds]
        capped = f" ({m.capped} capped)" if m.capped else ""
        table.add_row(m.name, f"{m.p50:,.1f}", f"{m.p95:,.1f}", target, holds,
                      f"{len(m.samples_ms)}{capped}", Text(m.slowest))  # fmt: skip
    console.print(table)
    for m in results:
        console.print(f"  {m.name}: {WHAT[m.name]}", highlight=False)
    built_in = ", ".join(f"{k} {v:.0f} s" for k, v in built.seconds.items())
    console.print(f"analysis: {LABELS}; triage, cases and rollups the product's own"
                  + (f"; built in {built_in}" if built_in else "; store reused"))  # fmt: skip
    for note in built.notes:
        console.print(f"[yellow]note[/]: {note}", highlight=False)
    if as_json:
        about = {"mentions": built.mentions, "cases": built.cases, "rollups": built.rollups,
                 "tenants": len(built.tenants), "database": dialect, "build_s": built.seconds,
                 "labels": LABELS, "notes": built.notes}  # fmt: skip
        sys.stdout.write(to_json(results, **about) + "\n")
