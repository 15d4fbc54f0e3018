"""`GET /v1/reports/{period}`: the report for a month, week or day, as JSON by default or as
the file `?format=` names (html, pdf, csv of its mentions, cases-csv, xlsx)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from starlette.concurrency import run_in_threadpool

from escucha.core.period import PeriodError, period
from escucha.report import render
from escucha.report.contents import as_json, build_report
from escucha.report.formats import MEDIA_TYPES, WITH_CASES, filename
from escucha.web.auth import Reader
from escucha.web.state import ApiState, get_state

router = APIRouter(prefix="/v1", tags=["metrics"])
State = Annotated[ApiState, Depends(get_state)]
Format = Literal["json", "html", "pdf", "csv", "cases-csv", "xlsx"]
# The files the endpoint may answer with, for the OpenAPI document.
FILES: dict[int | str, dict[str, Any]] = {200: {"content": {m: {} for m in MEDIA_TYPES.values()}}}


@router.get("/reports/{label}", response_model=None, responses=FILES)
async def report(
    state: State,
    tenant: Reader,
    label: str,
    output_format: Annotated[Format, Query(alias="format")] = "json",
) -> dict[str, Any] | Response:
    """A period ("2026-11", "2026-W48", "2026-11-03") in the tenant's zone, as JSON or a file."""
    return await run_in_threadpool(_report, state, tenant, label, output_format)


def _report(state: ApiState, tenant_id: str, label: str, output_format: Format
            ) -> dict[str, Any] | Response:  # fmt: skip
    tenant = state.casebook.tenant_of(tenant_id)
    try:
        span = period(label, tenant.zone)
    except PeriodError as error:
        raise HTTPException(422, str(error)) from None
    now, engine = datetime.now(UTC), state.store.engine
    built = build_report(engine, tenant, span, now)
    if output_format == "json":
        return as_json(built)
    cases = render.case_lines(engine, tenant, span, now) if output_format in WITH_CASES else []
    name = filename(tenant.id, span.label, output_format)
    return Response(render.export(built, output_format, cases),
                    media_type=MEDIA_TYPES[output_format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
