"""`escucha cases`, `escucha case ID`, `escucha reply CASE_ID TEXT`: care from the terminal.

The command line is the operator's, so a case is found by its id alone; its tenant comes with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from escucha.cli.database import migrated_engine

if TYPE_CHECKING:
    from escucha.store.schema import CaseRow

# Case ids read "tenant:x:author": without emoji=False rich turns ":x:" into an emoji.
console = Console(emoji=False)
err = Console(stderr=True, soft_wrap=True, emoji=False)


def list_cases(
    tenant: Annotated[str, typer.Option(help="whose cases")] = "default",
    status: Annotated[str | None, typer.Option(help="new, open, waiting_on_customer, ...")] = None,
    sla: Annotated[str | None, typer.Option(help="on_track, warning, breached or met")] = None,
    assignee: Annotated[str | None, typer.Option(help="an agent's id, or none")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
) -> None:
    """A tenant's cases, most urgent first, each with its SLA clocks explained."""
    from escucha.store.cases import CaseFilter, Cases

    wanted = CaseFilter(status=status, sla=sla, assignee=assignee, limit=limit)
    rows = Cases(migrated_engine()).listing(tenant, wanted)
    if not rows:
        console.print(f"no cases for tenant {tenant}")
    render_cases(rows, console)


def show_case(case_id: Annotated[str, typer.Argument(help="e.g. acme:x:lucia")]) -> None:
    """One case whole: its clocks, its conversation in order, and what was done to it."""
    from escucha.store.cases import Cases
    from escucha.store.outbox import Outbox

    engine = migrated_engine()
    history = Cases(engine).history(case_id)
    if history is None:
        err.print(f"[red]no case {case_id!r}[/]: `escucha cases --tenant T` lists them")
        raise typer.Exit(1)
    render_cases([history.case], console)
    console.print("[bold]conversation[/]")
    for mention in history.mentions:
        who = f"@{mention.author}" if mention.inbound else "the business"
        console.print(f"  {mention.created_at:%Y-%m-%d %H:%M} UTC · {who}: {mention.text}",
                      markup=False, highlight=False)  # fmt: skip
    for reply in Outbox(engine).of_case(history.case.tenant, case_id):
        state = reply.status + (f" ({reply.last_error})" if reply.last_error else "")
        console.print(f"  reply {reply.key} · {state}: {reply.text}", markup=False,
                      highlight=False)  # fmt: skip
    if history.events:
        console.print("[bold]log[/]")
    for event in history.events:
        details = ", ".join(f"{k}={v}" for k, v in event.data.items())
        console.print(f"  {event.at:%Y-%m-%d %H:%M} UTC · {event.kind} by {event.actor}: "
                      f"{details}", markup=False, highlight=False)  # fmt: skip


def reply(
    case_id: Annotated[str, typer.Argument(help="the case to answer")],
    text: Annotated[
        str | None, typer.Argument(help="the reply, as the customer will read it")
    ] = None,
    canned: Annotated[str | None, typer.Option(help="a canned response instead of text")] = None,
    var: Annotated[
        list[str] | None, typer.Option(help="a canned response's variable: pedido=4411; repeat")
    ] = None,
    confirm: Annotated[bool, typer.Option(help="send despite tone findings")] = False,
    private: Annotated[bool, typer.Option(help="Facebook: a private reply, by Messenger")] = False,
) -> None:
    """Check a reply's tone and put it in the outbox; the workers send it once."""
    from escucha.care.answering import Answering, AnswerRefused, ToneFindings
    from escucha.care.canned import MissingValues
    from escucha.core.tenant import Tenant
    from escucha.store.cases import Cases
    from escucha.store.channel_credentials import ChannelCredentials
    from escucha.store.outbox import Outbox
    from escucha.store.tenants import Tenants

    if (text is None) == (canned is None):
        err.print("[red]give the reply's TEXT or --canned NAME[/], one of them")
        raise typer.Exit(2)
    engine = migrated_engine()
    cases = Cases(engine)
    history = cases.history(case_id)
    if history is None:
        err.print(f"[red]no case {case_id!r}[/]")
        raise typer.Exit(1)
    tenant = Tenants(engine).get(history.case.tenant) or Tenant(id=history.case.tenant)
    answering = Answering(cases, Outbox(engine), ChannelCredentials(engine))
    try:
        if canned is not None:
            values = dict(v.partition("=")[::2] for v in var or [])
            text = answering.compose(tenant, case_id, canned, values).text
            console.print(f"{canned}: {text}", highlight=False, markup=False)
        assert text is not None
        queued = answering.answer(history.case.tenant, case_id, text, private, confirm)
    except MissingValues as missing:
        err.print(f"[red]not queued[/]: {missing}; give them with --var", highlight=False)
        raise typer.Exit(2) from None
    except ToneFindings as refused:
        render_findings(refused.findings, err)
        err.print("not queued: fix the reply, or send it as it is with --confirm")
        raise typer.Exit(2) from None
    except AnswerRefused as refused:
        err.print(f"[red]not queued[/]: {refused.reason}", highlight=False)
        raise typer.Exit(2) from None
    render_findings(queued.findings, console)
    console.print(f"queued reply {queued.reply.key} to {case_id}: the workers send it "
                  "(`escucha up`)", highlight=False)  # fmt: skip


def render_cases(rows: Sequence[CaseRow], out: Console) -> None:
    for rank, row in enumerate(rows, start=1):
        out.print(
            f"{rank}. [bold]{row.sla_state or 'no clock'}[/] · {row.priority_label} · "
            f"{row.source} · @{row.author} · {row.status} · "
            f"{row.assignee or 'unassigned'} · {row.policy or 'no policy'} · {row.id}",
            highlight=False,
            emoji=False,
        )
        for target in row.sla or []:
            out.print(
                f"   {target['target']}: {_clock(target)}",
                markup=False,
                highlight=False,
                emoji=False,
            )


def _clock(target: dict[str, Any]) -> str:
    late = " (late)" if target.get("breached_at") else ""
    if target.get("met_at"):
        return f"met{late}, {target['business_minutes_used']} min used"
    if target.get("explanation"):
        return f"{target['explanation']}{' (breached)' if late else ''}"
    return "paused while waiting on the customer"


def render_findings(findings: Sequence[dict[str, Any]], out: Console) -> None:
    for finding in findings:
        out.print(f"  {finding['rule']}: {finding['said']} → {finding['fix']}", markup=False,
                  highlight=False, emoji=False)  # fmt: skip
