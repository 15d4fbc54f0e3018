"""`escucha agent`: the people who answer a tenant's cases."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from escucha.cli.database import migrated_engine

app = typer.Typer(help="Agents: languages, capacity and shift (default: the business hours).")
console = Console()
err = Console(stderr=True, soft_wrap=True)


@app.command("add")
def add(
    tenant: Annotated[str, typer.Option(help="the tenant they answer for")],
    name: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    languages: Annotated[str, typer.Option(help="comma-separated, e.g. es,en")] = "es",
    capacity: Annotated[int, typer.Option(min=1, help="open cases at once")] = 5,
    shift: Annotated[
        str | None, typer.Option(help='"mon-fri 09:00-17:00" or 24/7; default: business hours')
    ] = None,
    agent_id: Annotated[str | None, typer.Option("--id", help="default: from the email")] = None,
) -> None:
    """Add an agent, or replace one with the same id."""
    from pydantic import ValidationError

    from escucha.care.assignment import agent_of
    from escucha.core.errors import why_invalid
    from escucha.store.agents import AgentRecord, Agents
    from escucha.store.tenants import Tenants

    engine = migrated_engine()
    if Tenants(engine).get(tenant) is None:
        err.print(f"[red]no tenant {tenant!r}[/]: add it first with `escucha tenant add`")
        raise typer.Exit(2)
    ident = agent_id or re.sub(r"[^a-z0-9_-]", "-", email.split("@")[0].lower())
    spoken = tuple(code.strip().lower() for code in languages.split(",") if code.strip())
    record = AgentRecord(ident, name, email, spoken, capacity, shift)
    try:
        agent_of(record)  # the shift parses, the rest is well-formed
        created = Agents(engine).add(tenant, record)
    except (ValidationError, ValueError) as error:
        why = why_invalid(error) if isinstance(error, ValidationError) else str(error)
        err.print(f"[red]agent {ident}:[/] {why}", highlight=False)
        raise typer.Exit(2) from None
    console.print(f"{'added' if created else 'updated'} agent {ident} ({name}) to tenant {tenant}")


@app.command("list")
def list_agents(tenant: Annotated[str, typer.Option()]) -> None:
    """A tenant's agents."""
    from escucha.store.agents import Agents

    table = Table(title=f"agents of {tenant}")
    for column in ("id", "name", "email", "languages", "capacity", "shift"):
        table.add_column(column, overflow="fold")
    for agent in Agents(migrated_engine()).of_tenant(tenant):
        table.add_row(agent.id, agent.name, agent.email, ",".join(agent.languages),
                      str(agent.capacity), agent.shift or "business hours")  # fmt: skip
    console.print(table)


@app.command("password")
def password(
    tenant: Annotated[str, typer.Option(help="the agent's tenant")],
    agent_id: Annotated[str, typer.Argument(help="the agent's id (`escucha agent list`)")],
    new_password: Annotated[
        str,
        typer.Option(
            "--password",
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="asked when omitted; at least 10 characters",
        ),
    ],
    role: Annotated[str | None, typer.Option(help="agent, admin or read")] = None,
) -> None:
    """Let an agent log in to the web inbox (their open sessions end); kept only as Argon2id."""
    from escucha.core.passwords import WeakPassword, hash_password
    from escucha.store.web_logins import Logins

    try:
        Logins(migrated_engine()).set_password(tenant, agent_id, hash_password(new_password),
                                               role)  # fmt: skip
    except WeakPassword as error:
        err.print(f"[red]not set[/]: {error}")
        raise typer.Exit(2) from None
    except KeyError:
        err.print(f"[red]not set[/]: tenant {tenant!r} has no agent {agent_id!r}")
        raise typer.Exit(2) from None
    except ValueError as error:
        err.print(f"[red]not set[/]: {error}")
        raise typer.Exit(2) from None
    console.print(f"agent {agent_id} of {tenant} may log in at /login")
