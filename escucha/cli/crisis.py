"""`escucha crisis`: backtest the detector on stored history, see incidents now, evaluate it."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from escucha.cli.database import migrated_engine

if TYPE_CHECKING:  # imported where used: every `escucha` command loads this module
    from sqlalchemy import Engine

    from escucha.core.tenant import Tenant
    from escucha.insight.evaluation import Report, Score
    from escucha.insight.replay import Opened

app = typer.Typer(help="Crisis detection: backtest it on stored history, see incidents, evaluate.")
console = Console()
err = Console(stderr=True, soft_wrap=True)


def _tenant(engine: Engine, tenant_id: str) -> Tenant:
    from escucha.store.tenants import Tenants

    tenant = Tenants(engine).get(tenant_id)
    if tenant is None:
        err.print(f"[red]no tenant {tenant_id!r}[/]: see `escucha tenant list`")
        raise typer.Exit(1)
    return tenant


def _moment(option: str, text: str, tenant: Tenant) -> datetime:
    from escucha.core.period import moment

    try:
        return moment(text, tenant.zone)
    except ValueError as error:
        err.print(f"[red]--{option}[/]: {error}", highlight=False)
        raise typer.Exit(2) from None


@app.command("backtest")
def backtest(
    tenant_id: Annotated[str, typer.Option("--tenant", help="whose history")],
    since: Annotated[str, typer.Option(help="first check: ISO date or datetime, tenant's zone")],
    until: Annotated[str, typer.Option(help="last check (a date is its local midnight)")],
    labels: Annotated[
        Path | None, typer.Option(help="known incidents: CSV start,end[,topic] or JSON lines")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per incident")] = False,
    step: Annotated[int, typer.Option(help="minutes between checks (live: 15)")] = 15,
) -> None:
    """Every incident the watch would have opened from SINCE to UNTIL, replayed as it runs live."""
    from escucha.insight.evaluation import LabelError, bins_of, read_labels, score

    engine = migrated_engine()
    tenant = _tenant(engine, tenant_id)
    first, last = _moment("since", since, tenant), _moment("until", until, tenant)
    if last <= first:
        err.print(f"[red]--until {until} is not after --since {since}[/]", highlight=False)
        raise typer.Exit(2)
    try:
        bins = bins_of(step)
    except ValueError as error:
        err.print(f"[red]--step[/]: {error}", highlight=False)
        raise typer.Exit(2) from None
    try:
        windows = read_labels(labels, tenant.zone) if labels is not None else None
    except LabelError as error:
        err.print(f"[red]bad labels[/]: {error}", highlight=False)
        raise typer.Exit(2) from None
    opened = replayed(engine, tenant, first, last, bins)
    found = score(opened, windows, last) if windows is not None else None
    if as_json:
        for incident in opened:
            sys.stdout.write(json.dumps(incident.as_json()) + "\n")
        if found is not None:
            sys.stdout.write(json.dumps(found.as_json()) + "\n")
        return
    _incidents_table(opened, tenant, first, last)
    if found is not None:
        _score_lines(found)


def replayed(engine: Engine, tenant: Tenant, since: datetime, until: datetime,
             step: int) -> list[Opened]:  # fmt: skip
    """The tenant's rollups from `since` - HISTORY to `until` through `Replay`, as the watch
    reads them: all, negative and complaints, every topic active in the range, and the bins of
    incidents that closed before `since` left out of the baselines.

    Live, a topic is checked only while it has five mentions in the past week (an instant
    topic, one in the past hour); checking it at other times too changes nothing, since
    fewer than that can never signal."""
    from escucha.insight.replay import Replay
    from escucha.insight.series import BIN, HISTORY, build, floor_bin, floor_hour, unheard
    from escucha.insight.surge import MIN_OBSERVED
    from escucha.insight.topics import INSTANT
    from escucha.insight.watch import ALWAYS_WATCHED
    from escucha.store.incidents import Incidents
    from escucha.store.rollups import Rollups

    rollups = Rollups(engine)
    start, end = floor_hour(since) - HISTORY, floor_bin(until)
    week = rollups.active(tenant.id, since - timedelta(days=7), end + BIN, MIN_OBSERVED)
    hour = rollups.active(tenant.id, since - timedelta(hours=1), end + BIN, 1)
    topics = list(dict.fromkeys([*ALWAYS_WATCHED, *week, *(t for t in hour if t in INSTANT)]))
    bins = rollups.bins(tenant.id, topics, start, end)
    past = [p for p in Incidents(engine).past(tenant.id, start, until) if p.since < since]
    unknown = unheard(start, rollups.first(tenant.id))
    series = {}
    for topic in topics:
        excluded = [*unknown, *((p.since, min(p.until, since)) for p in past if topic in p.topics)]
        series[topic] = build(topic, start, end, bins[topic], tenant.zone, excluded)
    some = series[topics[0]]
    aligned = floor_bin(since)
    first = some.index(aligned) + int(aligned < since)  # checks fall on the bins' edges
    return Replay(series, tenant.crisis).run(first, len(some), step)


def _local(moment: datetime | None, tenant: Tenant) -> str:
    return moment.astimezone(tenant.zone).strftime("%Y-%m-%d %H:%M %Z") if moment else "-"


def _incidents_table(opened: Sequence[Opened], tenant: Tenant, since: datetime,
                     until: datetime) -> None:  # fmt: skip
    span = f"{_local(since, tenant)} to {_local(until, tenant)}"
    if not opened:
        console.print(f"no incident would have opened for {tenant.id} from {span}")
        return
    table = Table(title=f"incidents {tenant.id} would have had, {span}")
    for column in ("opened", "closed", "topic", "trigger", "observed", "expected", "also"):
        table.add_column(column, overflow="fold")
    for o in opened:
        i = o.incident
        also = sorted({*i.topics, *i.triggers} - {i.topic, i.trigger})
        table.add_row(_local(i.opened_at, tenant), _local(i.closed_at, tenant) if i.closed_at
                      else "still open", i.topic, i.trigger, str(i.observed), f"{i.expected:.1f}",
                      ", ".join(also) or "-")  # fmt: skip
    console.print(table)


def _score_lines(found: Score) -> None:
    def share(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f}"

    delay = found.median_delay_minutes
    console.print(
        f"precision {share(found.precision)} ({found.overlapping} of {found.incidents} "
        f"incidents overlap a label), recall {share(found.recall)} ({found.caught} of "
        f"{found.labels} labels had one open inside them), median delay "
        + ("n/a" if delay is None else f"{delay:.0f} min"),
        highlight=False,
    )


@app.command("status")
def status(
    tenant_id: Annotated[
        str | None, typer.Option("--tenant", help="one tenant; all if omitted")
    ] = None,
) -> None:
    """Each tenant's incident now: status, what, observed against expected, who took it."""
    from escucha.core.models import as_utc
    from escucha.store.incidents import Incidents
    from escucha.store.tenants import Tenants

    engine = migrated_engine()
    tenants = [_tenant(engine, tenant_id)] if tenant_id else Tenants(engine).all()
    if not tenants:
        console.print("no tenants: add one with `escucha tenant add`")
        return
    incidents = Incidents(engine)
    table = Table(title="crisis status")
    for column in ("tenant", "status", "topic", "trigger", "observed vs expected", "opened",
                   "acknowledged"):  # fmt: skip
        table.add_column(column, overflow="fold")
    for tenant in tenants:
        row = incidents.current(tenant.id)
        if row is None:
            table.add_row(tenant.id, "quiet", "-", "-", "-", "-", "-")
            continue
        taken = (f"by {row.acknowledged_by} at {_local(as_utc(row.acknowledged_at), tenant)}"
                 if row.acknowledged_at else "no")  # fmt: skip
        table.add_row(tenant.id, row.status, row.topic, row.trigger,
                      f"{row.observed} vs {row.expected:.1f}",
                      _local(as_utc(row.opened_at), tenant), taken)  # fmt: skip
    console.print(table)


@app.command("evaluate")
def evaluate(
    runs: Annotated[int, typer.Option(min=1, help="surge runs per background, rate, size")] = 80,
    quiet_runs: Annotated[
        int, typer.Option(min=1, help="quiet runs of 60 days per background and rate")
    ] = 30,
    seed: Annotated[int, typer.Option(help="the runs' random seed")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per row")] = False,
    jobs: Annotated[int, typer.Option(min=1, help="processes")] = 2,
    step: Annotated[int, typer.Option(help="minutes between checks in quiet runs")] = 15,
    data: Annotated[
        Path | None, typer.Option(help="the shared data folder (default ../shared/data)")
    ] = None,
) -> None:
    """False alarms on quiet backgrounds and detection of surge days: the README's table."""
    import time
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from escucha.insight import backgrounds, evaluation

    folder = data or backgrounds.data_dir()
    found = folder if (folder / backgrounds.ES_AIRLINES).is_file() else None
    if found is None:
        err.print(f"[yellow]{folder / backgrounds.ES_AIRLINES} not found[/]: real backgrounds "
                  "and the US airline week are left out")  # fmt: skip
    try:
        every = evaluation.bins_of(step)
    except ValueError as error:
        err.print(f"[red]--step[/]: {error}", highlight=False)
        raise typer.Exit(2) from None
    work = evaluation.tasks(quiet_runs, runs, seed, data=found, step=every)
    began = time.perf_counter()
    outcomes = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, console=err, transient=as_json) as progress:
        bar = progress.add_task("evaluating", total=len(work))
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for future in as_completed([pool.submit(evaluation.run, t) for t in work]):
                outcomes.append(future.result())
                progress.advance(bar)
    report = evaluation.summarise(outcomes)
    wall = time.perf_counter() - began
    if as_json:
        for row in report.rows():
            sys.stdout.write(json.dumps(row) + "\n")
        sys.stdout.write(json.dumps({"summary": True, "seconds": round(wall, 1),
                                     "cpu_seconds": round(report.cpu_seconds, 1), "jobs": jobs,
                                     "runs": runs, "quiet_runs": quiet_runs, "seed": seed,
                                     "step_minutes": step}) + "\n")  # fmt: skip
        return
    _report(report, step)
    console.print(f"{len(work)} runs in {wall:.0f} s on {jobs} processes "
                  f"({report.cpu_seconds:.0f} s of CPU); seed {seed}")  # fmt: skip


def _report(report: Report, step: int) -> None:
    from escucha.insight.evaluation import QUIET_DAYS

    alarms = Table(title=f"false alarms: {QUIET_DAYS} quiet days after 36 of history, a check "
                         f"every {step} min")  # fmt: skip
    columns = ("background", "per day", "days", "all /30 d", "negative /30 d", "all /60 d",
               "negative /60 d", "incidents /60 d", "opened on", "real days")  # fmt: skip
    for column in columns:
        alarms.add_column(column, justify="right")
    for a in report.false_alarms:
        worst = ", ".join(f"{d} ({n})" for d, n in list(a.source_days.items())[:3]) or "-"
        why = ", ".join(f"{t} {n}" for t, n in a.triggers.items()) or "-"
        alarms.add_row(a.background, f"{a.rate:g}", str(a.days),
                       *(f"{a.per(t, d):.2f}" for d in (30, 60) for t in ("all", "negative")),
                       f"{a.per(None, 60):.2f}", why, worst)  # fmt: skip
    console.print(alarms)
    caught = Table(title="one surge day, all negative: share caught (within the day + 24 h), "
                         "median delay from the day's start")  # fmt: skip
    caught.add_column("background")
    caught.add_column("per day", justify="right")
    for m in sorted({d.multiplier for d in report.detection}):
        name = f"{m:g}x" if m != 1 else "1x (no surge)"
        caught.add_column(f"{name} caught", justify="right")
        caught.add_column(f"{name} delay", justify="right")
    rows: dict[tuple[str, float], list[str]] = {}
    for d in report.detection:
        delay = "-" if d.median_delay_minutes is None else _hours(d.median_delay_minutes)
        rows.setdefault((d.background, d.rate), []).extend(
            [f"{d.share:.0%} ({d.caught}/{d.runs})", delay]
        )
    for (background, rate), cells in rows.items():
        caught.add_row(background, f"{rate:g}", *cells)
    console.print(caught)
    if report.weeks:
        _weeks(report)
    for target in report.targets:
        mark = "[green]met[/]" if target.met else "[red]MISSED[/]"
        console.print(f"{mark} {target.what}: {target.figure:.2f} (target {target.bound})",
                      highlight=False)  # fmt: skip


def _hours(minutes: float) -> str:
    return f"{minutes / 60:.1f} h"


def _weeks(report: Report) -> None:
    title = ("the real US airline week (Los Angeles days, 17-24 February 2015; the 24th ends "
             "at noon): all/negative per day, * where an incident opened")  # fmt: skip
    week = Table(title=title)
    week.add_column("airline")
    week.add_column("history")
    days = [d for d, _, _ in report.weeks[0].days]
    for day in days:
        week.add_column(day[5:], justify="right")
    for w in report.weeks:
        flagged = w.flagged()
        week.add_row(w.airline, w.history, *(f"{n}/{neg}{'*' * flagged.count(day)}"
                                             for day, n, neg in w.days))  # fmt: skip
    console.print(week)
    for w in report.weeks:
        for o in w.opened:
            line = (f"  {w.airline} ({w.history}): {o['opened_at']} {o['topic']} {o['trigger']} "
                    f"{o['observed']} vs {o['expected']}")  # fmt: skip
            console.print(line, highlight=False)
