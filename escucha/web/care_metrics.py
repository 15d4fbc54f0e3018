"""Care figures over the API: `GET /v1/metrics/care?since=&until=`, in the tenant's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from starlette.concurrency import run_in_threadpool

from escucha.care.care_history import RecoverySources, care_metrics, complaint_recovery
from escucha.core.period import PeriodError, moment
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


def _care(state: ApiState, tenant_id: str, since: str | None, until: str | None
          ) -> dict[str, Any]:  # fmt: skip
    tenant = state.casebook.tenant_of(tenant_id)
    now = datetime.now(UTC)
    try:
        end = moment(until, tenant.zone) if until else now
        start = moment(since, tenant.zone) if since else end - DEFAULT_SPAN
    except PeriodError as error:
        raise HTTPException(422, str(error)) from None
    if start >= end:
        raise HTTPException(422, "since must come before until")
    figures = care_metrics(state.casebook.cases, tenant, start, end, now)
    sources = RecoverySources(state.casebook.cases, state.contacts, state.conversions,
                              state.outbox)  # fmt: skip
    recovered = complaint_recovery(sources, tenant.id, start, end, now)
    return figures.model_dump(mode="json") | {
        "complaint_recovery": recovered.model_dump(mode="json"),
        "timezone": tenant.timezone,
    }
