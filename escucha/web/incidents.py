"""Incidents and alert destinations over the API: list and read incidents with their thread
and delivery log, acknowledge one, and manage where alerts go (secrets in, never out)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool

from escucha.core.errors import why_invalid
from escucha.core.models import as_utc
from escucha.insight.alerting import Alerting, Dead, InternalDestination, Sent
from escucha.insight.alerts.destination import parse_destination
from escucha.store.alert_outbox import NameTaken, UnknownDestination
from escucha.store.incidents import STATUSES, IncidentClosed, UnknownIncident
from escucha.store.schema import AlertDeliveryRow, IncidentRow, IncidentUpdateRow
from escucha.web.actor import Actor
from escucha.web.auth import Admin, Agent, Reader
from escucha.web.state import ApiState, get_state

router = APIRouter(prefix="/v1", tags=["crisis"])
State = Annotated[ApiState, Depends(get_state)]
Status = Literal["open", "escalating", "subsiding", "closed"]
TRIAL_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class NewDestination(BaseModel):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")
    settings: dict[str, Any] = Field(
        description='{"kind": "webhook"|"slack"|"email"|"telegram", ...}; secrets are sealed '
        "and never returned"
    )
    events: list[Literal["incident", "sla.breached", "case.escalated", "channel.silent"]] = Field(
        default=[], description="what it takes; every kind when empty"
    )

    @field_validator("name")
    @classmethod
    def _not_an_id(cls, name: str) -> str:
        # A reference is an id or a name: a name shaped like an id would make it ambiguous.
        if name.startswith("dst_"):
            raise ValueError("a name cannot begin with dst_, which destination ids do")
        return name


@router.get("/incidents")
def list_incidents(
    state: State, tenant: Reader, status: Annotated[Status | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:  # fmt: skip
    """The tenant's incidents, newest first; `status` keeps those in that state."""
    rows = state.incidents.of_tenant(tenant, status, limit)
    return {"incidents": [_incident(row) for row in rows], "statuses": list(STATUSES)}


@router.get("/incidents/{incident_id}")
def get_incident(state: State, tenant: Reader, incident_id: str) -> dict[str, Any]:
    """One incident: its explanation, its thread of updates, and every alert it sent."""
    row = _found(state, tenant, incident_id)
    thread = state.incidents.thread(tenant, incident_id)
    log = state.alerting.outbox.of_incident(tenant, incident_id)
    names = {d.id: d.name for d in state.alerting.outbox.destinations(tenant)}
    return _incident(row) | {
        "explanation": row.explanation,
        "thread": [_entry(entry) for entry in thread],
        "deliveries": [_delivery(d, names) for d in log],
    }


@router.post("/incidents/{incident_id}/ack")
def acknowledge(state: State, tenant: Agent, actor: Actor, incident_id: str) -> dict[str, Any]:
    """Someone takes the incident (the agent named in X-Escucha-Agent, else the key): the
    ladder climbs no further, those alerted hear who. 409 when it closed untaken."""
    try:
        taken_now = state.incidents.acknowledge(tenant, incident_id, actor, datetime.now(UTC))
    except UnknownIncident:
        raise HTTPException(404, f"no incident {incident_id!r}") from None
    except IncidentClosed:
        raise HTTPException(409, f"incident {incident_id!r} closed before anyone took it") from None
    row = _found(state, tenant, incident_id)
    return _incident(row) | {"acknowledged_now": taken_now}


@router.get("/alert-destinations")
def list_destinations(state: State, tenant: Reader) -> dict[str, Any]:
    """Where the tenant's alerts go, with each one's health; no secret."""
    return {"destinations": [d.as_json() for d in state.alerting.outbox.destinations(tenant)]}


@router.post("/alert-destinations", status_code=201)
def add_destination(state: State, tenant: Admin, body: NewDestination) -> dict[str, Any]:
    try:
        destination = parse_destination(body.settings)
    except ValidationError as error:
        raise HTTPException(422, f"settings: {why_invalid(error)}") from None
    try:
        made = state.alerting.add_destination(tenant, body.name, destination, body.events,
                                              datetime.now(UTC))  # fmt: skip
    except NameTaken as error:
        raise HTTPException(409, str(error)) from None
    except InternalDestination as error:
        raise HTTPException(422, f"settings: {error}") from None
    [view] = [d for d in state.alerting.outbox.destinations(tenant) if d.id == made]
    return view.as_json()


@router.delete("/alert-destinations/{ref}", status_code=204)
def remove_destination(state: State, tenant: Admin, ref: str) -> None:
    try:
        state.alerting.outbox.remove_destination(tenant, ref)
    except UnknownDestination:
        raise HTTPException(404, f"no alert destination {ref!r}") from None


@router.post("/alert-destinations/{ref}/test")
async def test_destination(state: State, tenant: Admin, ref: str) -> dict[str, Any]:
    """Send a test alert now, through the outbox; if it fails for now, it is retried there."""
    return await run_in_threadpool(_trial, state.alerting, state, tenant, ref)


def _trial(alerting: Alerting, state: ApiState, tenant: str, ref: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    try:
        key = alerting.trial(state.tenants.get(tenant), ref, now)
    except UnknownDestination:
        raise HTTPException(404, f"no alert destination {ref!r}") from None
    with httpx.Client(timeout=TRIAL_TIMEOUT) as client:
        outcome = alerting.send(key, now, client)
    if isinstance(outcome, Sent):
        return {"delivery": key, "status": "sent", "receipt": outcome.receipt}
    if isinstance(outcome, Dead):
        return {"delivery": key, "status": "dead", "error": outcome.reason}
    error = outcome.reason if outcome else "another sender has it"
    return {"delivery": key, "status": "pending", "error": error}


def _found(state: ApiState, tenant: str, incident_id: str) -> IncidentRow:
    try:
        return state.incidents.get(tenant, incident_id)
    except UnknownIncident:
        raise HTTPException(404, f"no incident {incident_id!r}") from None


def _incident(row: IncidentRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "topic": row.topic,
        "trigger": row.trigger,
        "topics": row.topics,
        "triggers": row.triggers,
        "observed": row.observed,
        "expected": round(row.expected, 2),
        "headline": (row.explanation or {}).get("headline"),
        "opened_at": _when(row.opened_at),
        "last_signal_at": _when(row.last_signal_at),
        "closed_at": _when(row.closed_at),
        "acknowledged_at": _when(row.acknowledged_at),
        "acknowledged_by": row.acknowledged_by,
        "ladder_step": row.ladder_step,
    }


def _entry(entry: IncidentUpdateRow) -> dict[str, Any]:
    return {"at": _when(entry.at), "change": entry.change, "data": entry.data}


def _delivery(row: AlertDeliveryRow, names: dict[str, str]) -> dict[str, Any]:
    return {
        "key": row.key,
        "destination": names.get(row.destination_id, row.destination_id),
        "event": row.event,
        "status": row.status,
        "attempts": row.attempts,
        "receipt": row.receipt,
        "last_error": row.last_error,
        "created_at": _when(row.created_at),
        "sent_at": _when(row.sent_at),
        "next_attempt_at": _when(row.next_attempt_at) if row.status == "pending" else None,
    }


def _when(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment else None
