"""`escucha canned`: a tenant's saved replies, a variant per language, with {variables}."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from escucha.cli.database import migrated_engine

app = typer.Typer(help="Canned responses: {nombre}, {pedido} and the rest filled per case.")
console = Console()
err = Console(stderr=True, soft_wrap=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="how agents call it, e.g. retraso")],
    text: Annotated[str, typer.Argument(help='e.g. "Hola {nombre}, sentimos la espera..."')],
    tenant: Annotated[str, typer.Option(help="whose response it is")],
    lang: Annotated[str, typer.Option(help="the variant's language")] = "es",
) -> None:
    """Add a canned response's variant in one language, or replace it."""
    from pydantic import ValidationError

    from escucha.core.canned_response import CannedResponse
    from escucha.core.errors import why_invalid
    from escucha.store.canned_responses import CannedResponses
    from escucha.store.tenants import Tenants

    engine = migrated_engine()
    if Tenants(engine).get(tenant) is None:
        err.print(f"[red]no tenant {tenant!r}[/]: add it with `escucha tenant add`")
        raise typer.Exit(2)
    try:
        canned = CannedResponse(name=name, language=lang, text=text)
    except ValidationError as error:
        err.print(f"[red]not saved[/]: {why_invalid(error)}", highlight=False)
        raise typer.Exit(2) from None
    created = CannedResponses(engine).put(tenant, canned)
    uses = ", ".join("{" + v + "}" for v in canned.variables) or "no variables"
    console.print(f"{'added' if created else 'replaced'} {name} ({lang}) for {tenant}: {uses}",
                  highlight=False)  # fmt: skip


@app.command("list")
def list_canned(tenant: Annotated[str, typer.Option(help="whose responses")]) -> None:
    """The tenant's canned responses, each variant with its text."""
    from escucha.store.canned_responses import CannedResponses

    table = Table("name", "lang", "text")
    for canned in CannedResponses(migrated_engine()).of_tenant(tenant):
        table.add_row(canned.name, canned.language, canned.text)
    console.print(table)


@app.command("remove")
def remove(
    name: Annotated[str, typer.Argument()],
    tenant: Annotated[str, typer.Option()],
    lang: Annotated[str | None, typer.Option(help="one variant; default: all of them")] = None,
) -> None:
    """Remove a canned response, or one of its variants."""
    from escucha.store.canned_responses import CannedResponses

    removed = CannedResponses(migrated_engine()).remove(tenant, name, lang)
    if not removed:
        err.print(f"[red]no canned response {name!r}[/] for {tenant}")
        raise typer.Exit(1)
    console.print(f"removed {removed} variant(s) of {name}")
