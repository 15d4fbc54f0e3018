"""`escucha ror`: the headline return-on-relationship figures of a tenant's period."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from escucha.cli.figures_for import PERIOD_HELP, tenant_and_period
from escucha.report.formats import minutes, percent

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from escucha.care.care_metrics import CareMetrics, Rate
    from escucha.care.recovery import Recovery
    from escucha.care.ror import Ledger
    from escucha.core.period import Period
    from escucha.core.tenant import Tenant

console = Console()


def ror(
    tenant_id: Annotated[str, typer.Option("--tenant", help="whose figures")] = "default",
    period: Annotated[str, typer.Option(help=PERIOD_HELP)] = "",
) -> None:
    """Response rate, median first response in business time, SLA compliance, complaint
    recovery and CSAT, each with the counts behind it; then the ROR ledger in its parts."""
    now = datetime.now(UTC)
    engine, tenant, span = tenant_and_period(tenant_id, period, now)
    render_headline(engine, tenant, span, now, console)


def render_headline(engine: Engine, tenant: Tenant, span: Period, now: datetime,
                    out: Console) -> None:  # fmt: skip
    from escucha.care.care_history import (
        RecoverySources,
        care_metrics,
        complaint_recovery,
        ror_ledger,
    )
    from escucha.store.cases import Cases

    sources = RecoverySources.on(engine)
    care = care_metrics(Cases(engine), tenant, span.since, span.until, now)
    recovered = complaint_recovery(sources, tenant.id, span.since, span.until, now)
    out.print(f"[bold]return on relationship, {span.label}[/] ({tenant.timezone}; "
              f"{care.cases} cases, {care.cycles} cycles)")  # fmt: skip
    for line in headline(care, recovered):
        out.print(f"  {line}", highlight=False)
    for line in ledger_lines(ror_ledger(sources, tenant.id, span.since, span.until, now)):
        out.print(f"  {line}", highlight=False)


def ledger_lines(ledger: Ledger) -> list[str]:
    """The ledger's parts, each with how many people are behind it."""
    revenue = f"{ledger.revenue:,.2f}"
    if ledger.deals_without_amount:
        revenue += f" ({ledger.deals_without_amount} deals carried no amount)"
    return [
        f"ledger: {ledger.people} people gave {ledger.positive_mentions} positive mentions and "
        f"{ledger.recommendations} recommendations",
        f"ledger: {ledger.recovered_complaints} of {ledger.complainers} complainers recovered, "
        f"{ledger.satisfied_answers} satisfied survey answers",
        f"ledger: {ledger.deals_won} deals won with them, revenue {revenue} in the CRM's currency",
    ]


def headline(care: CareMetrics, recovered: Recovery) -> list[str]:
    """The four figures a business owner asks for first, each with what it is over."""
    first = care.first_response
    lines = [
        f"response rate {_share(care.response_rate)} of the cycles that needed an answer",
        f"median first response {minutes(first.business_median_minutes)} in business time "
        f"({minutes(first.median_minutes)} by the clock) over {first.count} answered cycles",
    ]
    for target, met in care.sla.items():
        lines.append(f"SLA {target}: {_share(met)} met in time")
    lines.append(
        f"complaint recovery: {recovered.recovered} of {recovered.complainers} complainers came "
        f"back ({percent(recovered.so_far)} so far)"
        + (f"; {recovered.still_open} are still within their 60 days" if recovered.still_open
           else f"; final rate {percent(recovered.rate)}")
    )  # fmt: skip
    if care.csat.asked:
        lines.append(
            f"CSAT: {_share(care.csat.satisfied)} satisfied, {care.csat.answered.hits} answers "
            f"of {care.csat.asked} asked (mean {care.csat.mean_score or '-'})"
        )
    if care.automated_replies_excluded:
        lines.append(f"{care.automated_replies_excluded} automated replies left out")
    return lines


def _share(rate: Rate) -> str:
    return f"{percent(rate.value)} ({rate.hits} of {rate.over})"
