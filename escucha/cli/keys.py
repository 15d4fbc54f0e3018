"""`escucha key`: make (shown once), list and revoke a tenant's API keys."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from escucha.cli.database import migrated_engine
from escucha.core.access import Role

if TYPE_CHECKING:
    from escucha.store.api_keys import ApiKeys

app = typer.Typer(help="API keys: one tenant and one role each, stored hashed.")
console = Console()
err = Console(stderr=True, soft_wrap=True)


def _keys() -> ApiKeys:
    from escucha.store.api_keys import ApiKeys

    return ApiKeys(migrated_engine())


@app.command("create")
def create(
    tenant: Annotated[str, typer.Option(help="the tenant the key sees")],
    role: Annotated[Role, typer.Option(help="ingest: push; read: read; agent, admin: care too")],
    name: Annotated[str, typer.Option(help="what the key is for, e.g. 'zapier'")] = "",
) -> None:
    """Make a key and print it once: only its hash is kept."""
    from escucha.store.api_keys import ApiKeys
    from escucha.store.tenants import Tenants

    engine = migrated_engine()
    if Tenants(engine).get(tenant) is None:
        err.print(f"[red]no tenant {tenant!r}[/]: add it first with `escucha tenant add`")
        raise typer.Exit(2)
    record, key = ApiKeys(engine).create(tenant, role, name)
    err.print(f"key {record.id} for {tenant}, role {role.value}; shown once, store it now:")
    typer.echo(key)


@app.command("list")
def list_keys(tenant: Annotated[str, typer.Option(help="whose keys")]) -> None:
    """A tenant's keys: id, role, name, when made and revoked (never the key)."""
    table = Table(title=f"API keys of {tenant}")
    for column in ("id", "role", "name", "created", "revoked"):
        table.add_column(column)
    for record in _keys().of_tenant(tenant):
        revoked = f"{record.revoked_at:%Y-%m-%d %H:%M}" if record.revoked_at else "-"
        table.add_row(record.id, record.role.value, record.name or "-",
                      f"{record.created_at:%Y-%m-%d %H:%M}", revoked)  # fmt: skip
    console.print(table)


@app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Refuse a key from now on (the API notices within ESCUCHA_API_KEY_CACHE_S, 5 s)."""
    keys = _keys()
    if keys.revoke(key_id):
        console.print(f"revoked key {key_id}")
        return
    record = keys.find(key_id)
    if record is None:
        err.print(f"[red]no key {key_id!r}[/]: see `escucha key list --tenant T`")
        raise typer.Exit(1)
    console.print(f"key {key_id} was already revoked")
