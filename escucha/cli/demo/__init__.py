"""`escucha demo`: the whole pipeline on a bundled sample, with real workers and a real broker."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from config.settings import CONFIG_DIR, get_settings
from escucha.care.answering import REPLYABLE, Answering
from escucha.channels.imports import read_file
from escucha.cli.backend import QueueBackend
from escucha.cli.cases import render_cases, render_findings
from escucha.cli.interrupt import wait_for_interrupt
from escucha.cli.ror import render_headline
from escucha.core.canned_response import CannedResponse
from escucha.core.passwords import hash_password
from escucha.core.period import period
from escucha.core.tenant import load_tenant
from escucha.nlp import registry
from escucha.ops.launcher import Launcher
from escucha.ops.stack import broker
from escucha.pipeline.context import PipelineContext, connect_with
from escucha.pipeline.ingest import ingest
from escucha.pipeline.stages import default_groups
from escucha.store.agents import AgentRecord, Agents
from escucha.store.canned_responses import CannedResponses
from escucha.store.cases import CaseFilter, Cases
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.migrate import upgrade
from escucha.store.outbox import Outbox
from escucha.store.schema import CaseRow
from escucha.store.store import Store
from escucha.store.summary import Summary, summarize
from escucha.store.tenants import Tenants
from escucha.store.web_logins import Logins

EXAMPLE_TENANT = CONFIG_DIR / "tenant.example.toml"
CASES_TIMEOUT_S = 60.0
SAMPLE_MONTH = "2026-11"  # the bundled sample's mentions and the brand's replies

POLL_S = 0.2
DEMO_AGENT = "demo"
DEMO_EMAIL = "demo@escucha.local"


@dataclass
class DemoOutcome:
    complete: bool
    total: int
    pending: int
    elapsed_s: float


def run_demo(
    sample: Path,
    timeout_s: float,
    console: Console,
    backend: QueueBackend,
    serving: Serving | None = None,
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
        groups = default_groups(topology=settings.pipeline.topology)
        with Launcher(
            {"REDIS_URL": url}, settings.stores.data_dir / "logs", groups, beat=True
        ) as stack:
            with console.status("starting workers"):
                backend.wait_for_workers(len(groups), 60, stack)
            outcome, ids = _run(
                connect_with(settings, backend.dispatch), sample, timeout_s, console
            )
            store = Store.from_url(settings.stores.effective_database_url)
            with console.status("projecting cases"):
                projected = _wait_for_cases(Cases(store.engine), CASES_TIMEOUT_S)
            render(summarize(store, ids), outcome, console)
            example = load_tenant(EXAMPLE_TENANT)
            render_care(store, example.id, projected, console)
            month = period(SAMPLE_MONTH, example.zone)
            render_headline(store.engine, example, month, datetime.now(UTC), console)
            if serving is not None:
                serve(stack, store, example.id, serving, console)
            store.dispose()
    return outcome


@dataclass(frozen=True)
class Serving:
    """Where `escucha demo --serve` keeps the web inbox, and where it reports restarts."""

    host: str
    port: int
    err: Console


def serve(stack: Launcher, store: Store, tenant: str, serving: Serving, console: Console) -> None:
    """The web inbox on the demo's data, with a fresh demo login, until Ctrl-C."""
    password = demo_login(store, tenant)
    stack.start_api(serving.host, serving.port)
    console.print(
        f"\nweb inbox: http://{serving.host}:{serving.port}/  log in as {DEMO_EMAIL} "
        f"with password {password}  (a new one each run; Ctrl-C stops)"
    )
    wait_for_interrupt(stack, console, serving.err)


def demo_login(store: Store, tenant: str) -> str:
    """Make (or reset) the demo tenant's admin agent with a new random password; the password."""
    password = secrets.token_urlsafe(12)
    Agents(store.engine).add(tenant, AgentRecord(DEMO_AGENT, "Demo", DEMO_EMAIL, ("es", "en"),
                                                 10, None))  # fmt: skip
    Logins(store.engine).set_password(tenant, DEMO_AGENT, hash_password(password), "admin")
    return password


def _wait_for_cases(cases: Cases, timeout_s: float) -> bool:
    """Until the workers have projected every case the run touched (none is left marked)."""
    deadline = time.monotonic() + timeout_s
    while cases.to_check(datetime.now(UTC), limit=1):
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_S)
    return True


def render_care(store: Store, tenant: str, projected: bool, console: Console) -> None:
    """The most urgent cases with their clocks explained, and one reply checked for tone."""
    cases = Cases(store.engine)
    urgent = cases.listing(tenant, CaseFilter(limit=5))
    console.print(f"[bold]{len(urgent)} most urgent cases[/] (`escucha cases` lists them all)")
    if not projected:
        console.print("[yellow]some cases were not projected in time[/]: see `escucha status`")
    render_cases(urgent, console)
    first = next((c for c in urgent if c.source in REPLYABLE), None)
    if first is None:
        return
    answering = Answering(cases, Outbox(store.engine), ChannelCredentials(store.engine))
    for text in (INFORMAL, careful(first)):
        findings = answering.review(tenant, first.id, text)
        console.print(f"tone check of a reply to {first.id}: {text!r}", markup=False,
                      highlight=False, emoji=False)  # fmt: skip
        render_findings(findings, console)
        if not findings:
            console.print("  no findings: it would go out as written")
    render_canned(store, answering, tenant, first, console)


# The example business's saved reply, in both its languages (`escucha canned add`).
DEMO_CANNED = (
    CannedResponse(name="disculpa", language="es", text="Hola {nombre}, sentimos mucho lo "
                   "ocurrido. Hoy revisamos tu caso y te escribimos antes de las 18:00. {marca}"),
    CannedResponse(name="disculpa", language="en", text="Hi {name}, we are very sorry about "
                   "this. We are looking into it today and will write to you before 18:00. "
                   "{brand}"),
)  # fmt: skip


def render_canned(store: Store, answering: Answering, tenant: str, case: CaseRow,
                  console: Console) -> None:  # fmt: skip
    """The example's canned response, filled from the case and tone-checked."""
    canned = CannedResponses(store.engine)
    for response in DEMO_CANNED:
        canned.put(tenant, response)
    business = Tenants(store.engine).get(tenant)
    if business is None:
        return
    composed = answering.compose(business, case.id, "disculpa", {})
    console.print(f"canned response {composed.name!r} ({composed.language}) for {case.id}: "
                  f"{composed.text!r}", markup=False, highlight=False, emoji=False)  # fmt: skip
    findings = answering.review(tenant, case.id, composed.text)
    render_findings(findings, console)
    if not findings:
        console.print("  no findings: it would go out as written")


INFORMAL = "jajaja tranqui, yo lo miro"


def careful(case: CaseRow) -> str:
    """A reply in the business's voice: greeting by name, apology, a next step with a time."""
    name = case.author.lstrip("@")
    if case.language == "en":
        return (f"Hi {name}, we are very sorry about this. We are looking into it today and "
                "will write to you before 18:00.")  # fmt: skip
    return (f"Hola {name}, sentimos mucho lo ocurrido. Hoy revisamos tu caso y te escribimos "
            "antes de las 18:00.")  # fmt: skip


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
