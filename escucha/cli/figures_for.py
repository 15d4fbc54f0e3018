"""The tenant and the period a figures command is about, from its options, or refused with why."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from escucha.cli.database import migrated_engine

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from escucha.core.period import Period
    from escucha.core.tenant import Tenant

PERIOD_HELP = "a month (2026-11), a week (2026-W48) or a day; the current month by default"
err = Console(stderr=True, soft_wrap=True)


def tenant_and_period(tenant_id: str, label: str, now: datetime) -> tuple[Engine, Tenant, Period]:
    from escucha.core.period import PeriodError, period
    from escucha.store.tenants import Tenants

    engine = migrated_engine()
    tenant = Tenants(engine).get(tenant_id)
    if tenant is None:
        err.print(f"[red]no tenant {tenant_id!r}[/]: see `escucha tenant list`")
        raise typer.Exit(1)
    try:
        span = period(label or now.astimezone(tenant.zone).strftime("%Y-%m"), tenant.zone)
    except PeriodError as error:
        err.print(f"[red]--period[/]: {error}", highlight=False)
        raise typer.Exit(2) from None
    return engine, tenant, span
