"""`escucha ror`: the headline return-on-relationship figures of a tenant's period."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from escucha.cli.database import migrated_engine

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from escucha.care.care_metrics import CareMetrics, Rate
    from escucha.care.recovery import Recovery
    from escucha.core.tenant import Tenant

console = Console()
err = Console(stderr=True, soft_wrap=True)


def ror(
    tenant_id: Annotated[str, typer.Option("--tenant", help="whose figures")] = "default",
    period: Annotated[str, typer.Option(help="a month (2026-11), a week (2026-W48) or a day")] = (
        ""
    ),
) -> None:
    """Response rate, median first response in business time, SLA compliance and complaint
    recovery, each with the counts behind it (the current month by default)."""
    from escucha.core.period import PeriodError
    from escucha.store.tenants import Tenants

    engine = migrated_engine()
    tenant = Tenants(engine).get(tenant_id)
    if tenant is None:
        err.print(f"[red]no tenant {tenant_id!r}[/]: see `escucha tenant list`")
        raise typer.Exit(1)
    now = datetime.now(UTC)
    try:
        render_headline(engine, tenant, period or now.astimezone(tenant.zone).strftime("%Y-%m"),
                        now, console)  # fmt: skip
    except PeriodError as error:
        err.print(f"[red]--period[/]: {error}", highlight=False)
        raise typer.Exit(2) from None


def render_headline(engine: Engine, tenant: Tenant, label: str, now: datetime,
                    out: Console) -> None:  # fmt: skip
    from escucha.care.care_history import care_metrics, complaint_recovery
    from escucha.core.period import period
    from escucha.store.cases import Cases
    from escucha.store.contacts import Contacts
    from escucha.store.crm_outbox import Conversions

    span = period(label, tenant.zone)
    care = care_metrics(Cases(engine), tenant, span.since, span.until, now)
    recovered = complaint_recovery(
        Contacts(engine), Conversions(engine), tenant.id, span.since, span.until, now
    )
    out.print(f"[bold]return on relationship, {label}[/] ({tenant.timezone}; "
              f"{care.cases} cases, {care.cycles} cycles)")  # fmt: skip
    for line in headline(care, recovered):
        out.print(f"  {line}", highlight=False)


def headline(care: CareMetrics, recovered: Recovery) -> list[str]:
    """The four figures a business owner asks for first, each with what it is over."""
    first = care.first_response
    lines = [
        f"response rate {_share(care.response_rate)} of the cycles that needed an answer",
        f"median first response {_minutes(first.business_median_minutes)} in business time "
        f"({_minutes(first.median_minutes)} by the clock) over {first.count} answered cycles",
    ]
    for target, met in care.sla.items():
        lines.append(f"SLA {target}: {_share(met)} met in time")
    lines.append(
        f"complaint recovery: {recovered.recovered} of {recovered.complainers} complainers came "
        f"back ({_percent(recovered.so_far)} so far)"
        + (f"; {recovered.still_open} are still within their 60 days" if recovered.still_open
           else f"; final rate {_percent(recovered.rate)}")
    )  # fmt: skip
    if care.automated_replies_excluded:
        lines.append(f"{care.automated_replies_excluded} automated replies left out")
    return lines


def _share(rate: Rate) -> str:
    return f"{_percent(rate.value)} ({rate.hits} of {rate.over})"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _minutes(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h"
