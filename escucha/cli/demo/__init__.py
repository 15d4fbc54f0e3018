"""`escucha demo`: the whole pipeline on a bundled sample, with real workers and a real broker."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from config.settings import CONFIG_DIR, get_settings
from escucha.channels.imports import read_file
from escucha.cli.backend import QueueBackend
from escucha.core.tenant import load_tenant
from escucha.nlp import registry
from escucha.ops.launcher import Launcher
from escucha.ops.stack import broker
from escucha.pipeline.context import PipelineContext, connect_with
from escucha.pipeline.ingest import ingest
from escucha.pipeline.stages import default_groups
from escucha.store.migrate import upgrade
from escucha.store.store import Store
from escucha.store.summary import Summary, summarize
from escucha.store.tenants import Tenants

EXAMPLE_TENANT = CONFIG_DIR / "tenant.example.toml"

POLL_S = 0.2


@dataclass
class DemoOutcome:
    complete: bool
    total: int
    pending: int
    elapsed_s: float


def run_demo(
    sample: Path, timeout_s: float, console: Console, backend: QueueBackend
) -> DemoOutcome:
    with broker(get_settings()) as url:
        settings = get_settings().with_redis(url)
        backend.use_broker(url)
        settings.stores.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.stores.effective_database_url)
        console.print(f"broker {url}; store {settings.stores.effective_database_url}")
        _ensure_example_tenant(Store.from_url(settings.stores.effective_database_url), console)
        model = registry.choose(settings.analysis.models_dir, settings.analysis.model_version)
        console.print(f"analysis model {model.describe()}")
        groups = default_groups()
        with Launcher(
            {"REDIS_URL": url}, settings.stores.data_dir / "logs", groups, beat=True
        ) as stack:
            with console.status("starting workers"):
                backend.wait_for_workers(len(groups), 60, stack)
            outcome, ids = _run(
                connect_with(settings, backend.dispatch), sample, timeout_s, console
            )
    store = Store.from_url(settings.stores.effective_database_url)
    render(summarize(store, ids), outcome, console)
    store.dispose()
    return outcome


def _ensure_example_tenant(store: Store, console: Console) -> None:
    """The sample is about the example business; a tenant already stored is left as it is."""
    tenants, example = Tenants(store.engine), load_tenant(EXAMPLE_TENANT)
    if tenants.get(example.id) is None:
        tenants.put(example)
        console.print(f"tenant {example.id} ({example.name}) from {EXAMPLE_TENANT.name}")
    store.dispose()


def _run(
    ctx: PipelineContext, sample: Path, timeout_s: float, console: Console
) -> tuple[DemoOutcome, list[str]]:
    started = time.monotonic()
    report = ingest(ctx, read_file(sample, "demo"))
    ids = report.accepted
    for letter in report.rejected:
        console.print(f"[red]rejected[/] {letter.location}: {letter.reason}")
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("analysing and storing", total=len(ids))
        pending = len(ids)
        while pending and time.monotonic() - started < timeout_s:
            pending = ctx.ledger.pending_among(ids)
            progress.update(task, completed=len(ids) - pending)
            time.sleep(POLL_S) if pending else None
    elapsed = time.monotonic() - started
    return DemoOutcome(
        complete=pending == 0, total=len(ids), pending=pending, elapsed_s=elapsed
    ), ids


def render(summary: Summary, outcome: DemoOutcome, console: Console) -> None:
    counts = Table(title=f"{summary.total} mentions stored")
    counts.add_column("dimension")
    counts.add_column("counts")
    for name, values in summary.counts.items():
        ordered = sorted(values.items(), key=lambda kv: -kv[1])
        counts.add_row(name, ", ".join(f"{k}: {v}" for k, v in ordered))
    console.print(counts)
    console.print("[bold]top 5 by priority[/]")
    for rank, row in enumerate(summary.top, start=1):
        console.print(
            f"{rank}. [bold]{row.priority} {row.priority_label}[/] · {row.source} · "
            f"@{row.author} · {row.lang} · {row.sentiment} {row.intent}"
        )
        console.print(f"   {row.text[:200]}", markup=False, highlight=False)
        console.print(f"   why: {'; '.join(row.reasons)}", markup=False, highlight=False)
    rate = outcome.total / outcome.elapsed_s if outcome.elapsed_s else 0.0
    console.print(f"elapsed {outcome.elapsed_s:.2f} s (accepted → stored), {rate:.0f} mentions/s")
    if not outcome.complete:
        console.print(
            f"[red]{outcome.pending} mentions were not stored in time[/]: see `escucha status`"
        )
