"""Cases over the API: the inbox list, one case whole, and what agents do to cases.

Another tenant's case answers 404, as if it were not there. A change the lifecycle refuses
answers 409 with the reason.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from escucha.care.lifecycle import LifecycleError, Status
from escucha.store.cases import CaseFilter, rank_of
from escucha.store.schema import CaseEventRow, CaseRow, MentionRow, OutboxRow
from escucha.web.actor import Actor
from escucha.web.auth import Agent, Reader
from escucha.web.state import ApiState, get_state

router = APIRouter(prefix="/v1", tags=["care"])
State = Annotated[ApiState, Depends(get_state)]


class StatusChange(BaseModel):
    status: Status


class Assignment(BaseModel):
    agent: str | None = Field(description="an agent's id; null puts the case back in the queue")


class Merge(BaseModel):
    survivor: str = Field(description="the case that stays, chosen by the person merging")
    merged: str


class Unmerge(BaseModel):
    merged: str


@router.get("/cases")
def list_cases(
    state: State,
    tenant: Reader,
    status: Status | None = None,
    assignee: Annotated[str | None, Query(description="an agent's id, or 'none'")] = None,
    sla: Literal["on_track", "warning", "breached", "met"] | None = None,
    priority: Literal["urgent", "high", "normal", "low"] | None = None,
    channel: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """The tenant's cases, most urgent first (breached, warning, then by priority)."""
    wanted = CaseFilter(status=status.value if status else None, assignee=assignee, sla=sla,
                        priority=priority, channel=channel, q=q, limit=limit)  # fmt: skip
    rows = state.casebook.cases.listing(tenant, wanted, _after(cursor))
    more = _cursor(rank_of(rows[-1])) if len(rows) == limit else None
    return {"cases": [summary(row) for row in rows], "next_cursor": more}


@router.get("/cases/{case_id}")
def get_case(state: State, tenant: Reader, case_id: str) -> dict[str, Any]:
    """The case whole: its conversation in order, SLA targets, events and assignment log."""
    history = state.casebook.cases.history(case_id)
    if history is None or history.case.tenant != tenant:
        raise HTTPException(404, f"no case {case_id!r}")
    return summary(history.case) | {
        "mentions": [_mention(m) for m in history.mentions],
        "replies": [_reply(r) for r in state.outbox.of_case(tenant, case_id)],
        "events": [_event(e) for e in history.events],
        "assignment_log": [_event(e) for e in history.events if e.kind == "assignment"],
    }


@router.post("/cases/{case_id}/status")
async def change_status(state: State, tenant: Agent, actor: Actor, case_id: str,
                        body: StatusChange) -> dict[str, Any]:  # fmt: skip
    def change() -> None:
        state.casebook.change_status(tenant, case_id, body.status, actor, _now())
        if body.status in (Status.resolved, Status.closed):
            state.casebook.assign_waiting(tenant, _now())  # capacity freed: the queue moves

    await _acting(change)
    return _current(state, tenant, case_id)


@router.post("/cases/{case_id}/assign")
async def assign(state: State, tenant: Agent, actor: Actor, case_id: str, body: Assignment
                 ) -> dict[str, Any]:  # fmt: skip
    await _acting(lambda: state.casebook.assign(tenant, case_id, body.agent, actor, _now()))
    return _current(state, tenant, case_id)


@router.post("/cases/merge")
async def merge(state: State, tenant: Agent, actor: Actor, body: Merge) -> dict[str, Any]:
    await _acting(lambda: state.casebook.merge(tenant, body.survivor, body.merged, actor, _now()))
    return _current(state, tenant, body.survivor)


@router.post("/cases/unmerge")
async def unmerge(state: State, tenant: Agent, actor: Actor, body: Unmerge) -> dict[str, Any]:
    await _acting(lambda: state.casebook.unmerge(tenant, body.merged, actor, _now()))
    return _current(state, tenant, body.merged)


async def _acting(action: Callable[[], object]) -> None:
    try:
        await run_in_threadpool(action)
    except KeyError as error:
        raise HTTPException(404, f"no case or agent {error.args[0]!r}") from None
    except LifecycleError as error:
        raise HTTPException(409, str(error)) from None


def _current(state: ApiState, tenant: str, case_id: str) -> dict[str, Any]:
    row = state.casebook.cases.get(tenant, case_id)
    if row is None:
        raise HTTPException(404, f"no case {case_id!r}")
    return summary(row)


def _now() -> datetime:
    return datetime.now(UTC)


def summary(row: CaseRow) -> dict[str, Any]:
    return {
        "id": row.id, "channel": row.source, "author": row.author, "status": row.status,
        "cycle": row.cycle, "priority": row.priority, "priority_label": row.priority_label,
        "intent": row.intent, "language": row.language, "assignee": row.assignee,
        "mention_count": row.mention_count, "opened_at": row.opened_at,
        "last_mention_at": row.last_mention_at, "policy": row.policy,
        "sla_state": row.sla_state, "next_due_at": row.next_due_at, "sla": row.sla or [],
        "merged_into": row.merged_into,
    }  # fmt: skip


def _mention(row: MentionRow) -> dict[str, Any]:
    return {"id": row.id, "created_at": row.created_at, "author": row.author, "text": row.text,
            "inbound": row.inbound, "sentiment": row.sentiment, "intent": row.intent,
            "priority": row.priority, "reasons": row.reasons, "url": row.url}  # fmt: skip


def _reply(row: OutboxRow) -> dict[str, Any]:
    return {"id": row.key, "text": row.text, "status": row.status, "private": row.private,
            "platform_id": row.platform_id, "error": row.last_error, "created_at": row.created_at,
            "sent_at": row.sent_at}  # fmt: skip


def _event(row: CaseEventRow) -> dict[str, Any]:
    return {"at": row.at, "kind": row.kind, "actor": row.actor, **row.data}


def _cursor(rank: tuple[int, str]) -> str:
    return base64.urlsafe_b64encode(f"{rank[0]}|{rank[1]}".encode()).decode()


def _after(cursor: str | None) -> tuple[int, str] | None:
    if cursor is None:
        return None
    try:
        rank, _, case_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return int(rank), case_id
    except ValueError:
        raise HTTPException(422, f"cursor {cursor!r} is not one this API gave") from None
