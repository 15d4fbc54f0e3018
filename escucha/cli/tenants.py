"""`escucha tenant`: add, list, show, import and export the businesses escucha serves."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from escucha.cli.database import migrated_engine

if TYPE_CHECKING:  # imported where used: every `escucha` command loads this module
    from escucha.core.tenant import Tenant
    from escucha.store.tenants import Tenants

app = typer.Typer(help="The businesses escucha serves: zone, hours, holidays, brands, accounts.")
console = Console()
err = Console(stderr=True, soft_wrap=True)


def _tenants() -> Tenants:
    from datetime import timedelta

    from config.settings import get_settings
    from escucha.store.tenants import Tenants

    # Workers trust their copy for tenant_cache_s: look at the cases again once they let go.
    stale = timedelta(seconds=get_settings().pipeline.tenant_cache_s + 1)
    return Tenants(migrated_engine(), stale)


def _valid(data: dict[str, Any], where: str) -> Tenant:
    """The tenant, or exit 2 naming each bad field, where it is and why."""
    from pydantic import ValidationError

    from escucha.core.tenant import Tenant

    try:
        return Tenant.model_validate(data)
    except ValidationError as error:
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"]) or "tenant"
            why = str(problem["msg"]).removeprefix("Value error, ")
            err.print(f"[red]{where}[/] {field}: {why}", markup=True, highlight=False)
        raise typer.Exit(2) from None


def _store(tenant: Tenant, where: str) -> None:
    """Put the tenant and say so; exit 2 when another tenant owns one of its accounts."""
    from escucha.store.tenants import AccountTaken

    try:
        created = _tenants().put(tenant)
    except AccountTaken as error:
        err.print(f"[red]{where}[/] accounts: {error}", highlight=False)
        raise typer.Exit(2) from None
    console.print(f"{'created' if created else 'updated'} tenant {tenant.id} ({tenant.name})")


@app.command("add")
def add(
    tenant_id: Annotated[str, typer.Argument(metavar="ID")],
    name: Annotated[str, typer.Option(help="the business's name")],
    timezone: Annotated[str, typer.Option(help="IANA zone, e.g. Europe/Madrid")],
    hours: Annotated[
        str, typer.Option(help='"mon-fri 09:00-14:00,16:30-19:30; sat 10:00-13:00" or 24/7')
    ] = "24/7",
    holidays: Annotated[str | None, typer.Option(help="calendar, e.g. ES-MD, MX, US-CA")] = None,
    brand: Annotated[list[str] | None, typer.Option(help="a name or handle; repeat")] = None,
    language: Annotated[list[str] | None, typer.Option(help="repeat; default es and en")] = None,
) -> None:
    """Create a tenant, or replace one with the same id."""
    data: dict[str, Any] = {"id": tenant_id, "name": name, "timezone": timezone, "hours": hours}
    data |= {"holidays": holidays, "brands": brand or []}
    if language:
        data["languages"] = language
    tenant = _valid(data, f"tenant {tenant_id}:")
    _store(tenant, f"tenant {tenant_id}:")


@app.command("list")
def list_tenants() -> None:
    """Every tenant: id, name, zone, hours, holidays."""
    table = Table(title="tenants")
    for column in ("id", "name", "time zone", "hours", "holidays", "brands"):
        table.add_column(column, overflow="fold")
    for tenant in _tenants().all():
        table.add_row(tenant.id, tenant.name, tenant.timezone, str(tenant.hours),
                      tenant.holidays or "-", ", ".join(tenant.brands))  # fmt: skip
    console.print(table)


def _found(tenant_id: str) -> Tenant:
    tenant = _tenants().get(tenant_id)
    if tenant is None:
        err.print(f"[red]no tenant {tenant_id!r}[/]: see `escucha tenant list`")
        raise typer.Exit(1)
    return tenant


@app.command("show")
def show(tenant_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """One tenant, as the TOML `escucha tenant import` reads."""
    console.print(as_toml(_found(tenant_id)), markup=False, highlight=False)


@app.command("export")
def export(tenant_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """One tenant as TOML on stdout, to edit and import again."""
    typer.echo(as_toml(_found(tenant_id)), nl=False)


@app.command("import")
def import_file(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Create or update the tenant a TOML file describes (see config/tenant.example.toml)."""
    from escucha.core.tenant import read_tenant

    try:
        data = read_tenant(path)
    except (OSError, ValueError) as error:  # tomllib's TOMLDecodeError is a ValueError
        err.print(f"[red]{path}[/]: {error}")
        raise typer.Exit(2) from None
    tenant = _valid(data, f"{path}: tenant.")
    _store(tenant, f"{path}: tenant.")


def as_toml(tenant: Tenant) -> str:
    import tomli_w

    return tomli_w.dumps({"tenant": _without_none(tenant.model_dump(mode="json"))})


def _without_none(value: Any) -> Any:
    """TOML has no null: unset fields are left out, and read back as their defaults."""
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value
