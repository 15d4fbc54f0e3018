"""Care figures over the API: `GET /v1/metrics/care?since=&until=` and the ROR ledger,
`GET /v1/metrics/ror?since=&until=&contact=`, in the tenant's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from escucha.care.care_history import (
    RecoverySources,
    care_metrics,
    complaint_recovery,
    ror_ledger,
)
from escucha.core.period import PeriodError, moment
from escucha.core.tenant import Tenant
from escucha.web.auth import Reader
from escucha.web.state import ApiState, get_state

router = APIRouter(prefix="/v1", tags=["metrics"])
State = Annotated[ApiState, Depends(get_state)]
DEFAULT_SPAN = timedelta(days=30)


@router.get("/metrics/care")
async def care(
    state: State,
    tenant: Reader,
    since: Annotated[str | None, Query(description="ISO date or date-time; local if naive")] = None,
    until: Annotated[str | None, Query(description="exclusive; default now")] = None,
) -> dict[str, Any]:
    """Response rate, first and next response, resolution and SLA compliance of the cycles
    that began in [since, until), each with the count of cases behind it, and the recovery of
    the people who complained in it."""
    return await run_in_threadpool(_care, state, tenant, since, until)


@router.get("/metrics/ror")
async def ror(
    state: State,
    tenant: Reader,
    since: Annotated[str | None, Query(description="ISO date or date-time; local if naive")] = None,
    until: Annotated[str | None, Query(description="exclusive; default now")] = None,
    contact: Annotated[str | None, Query(description="only this contact's line")] = None,
    limit: Annotated[int, Query(ge=0, le=1000, description="people listed, most given first")] = 50,
) -> dict[str, Any]:
    """The return-on-relationship ledger of [since, until): positive mentions, recommendations,
    complaints recovered, satisfied answers, deals won and their revenue, as the tenant's totals
    and each person's line, never one score."""
    return await run_in_threadpool(_ror, state, tenant, since, until, contact, limit)


def _ror(state: ApiState, tenant_id: str, since: str | None, until: str | None,
         contact: str | None, limit: int) -> dict[str, Any]:  # fmt: skip
    tenant, start, end, now = _span(state, tenant_id, since, until)
    if contact is not None and not state.contacts.exists(tenant.id, contact):
        raise HTTPException(404, f"no contact {contact!r}")  # another tenant's is not there
    found = ror_ledger(_sources(state), tenant.id, start, end, now)
    lines = found.lines
    if contact is not None:
        person = state.contacts.root(tenant.id, contact)
        lines = tuple(line for line in lines if line.person == person)
    body = found.model_dump(mode="json", exclude={"lines"})
    return body | {"lines": [line.model_dump(mode="json") for line in lines[:limit]],
                   "timezone": tenant.timezone}  # fmt: skip


def _span(state: ApiState, tenant_id: str, since: str | None, until: str | None
          ) -> tuple[Tenant, datetime, datetime, datetime]:  # fmt: skip
    """The tenant and [since, until) read in its zone (the last 30 days by default), and now."""
    tenant = state.casebook.tenant_of(tenant_id)
    now = datetime.now(UTC)
    try:
        end = moment(until, tenant.zone) if until else now
        start = moment(since, tenant.zone) if since else end - DEFAULT_SPAN
    except PeriodError as error:
        raise HTTPException(422, str(error)) from None
    if start >= end:
        raise HTTPException(422, "since must come before until")
    return tenant, start, end, now


def _sources(state: ApiState) -> RecoverySources:
    return RecoverySources(state.casebook.cases, state.contacts, state.conversions, state.outbox)


def _care(state: ApiState, tenant_id: str, since: str | None, until: str | None
          ) -> dict[str, Any]:  # fmt: skip
    tenant, start, end, now = _span(state, tenant_id, since, until)
    figures = care_metrics(state.casebook.cases, tenant, start, end, now)
    recovered = complaint_recovery(_sources(state), tenant.id, start, end, now)
    return figures.model_dump(mode="json") | {
        "complaint_recovery": recovered.model_dump(mode="json"),
        "timezone": tenant.timezone,
    }
