"""`GET /v1/reports/{period}`: the report's figures as JSON, for a month, week or day."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from starlette.concurrency import run_in_threadpool

from escucha.core.period import PeriodError, period
from escucha.report.contents import as_json, build_report
from escucha.web.auth import Reader
from escucha.web.state import ApiState, get_state

router = APIRouter(prefix="/v1", tags=["metrics"])
State = Annotated[ApiState, Depends(get_state)]


@router.get("/reports/{label}")
async def report(state: State, tenant: Reader, label: str) -> dict[str, Any]:
    """A period ("2026-11", "2026-W48", "2026-11-03") in the tenant's zone, as JSON."""
    return await run_in_threadpool(_report, state, tenant, label)


def _report(state: ApiState, tenant_id: str, label: str) -> dict[str, Any]:
    tenant = state.casebook.tenant_of(tenant_id)
    try:
        span = period(label, tenant.zone)
    except PeriodError as error:
        raise HTTPException(422, str(error)) from None
    return as_json(build_report(state.store.engine, tenant, span, datetime.now(UTC)))
