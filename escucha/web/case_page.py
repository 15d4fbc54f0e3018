"""A case's page in the web inbox: `/cases/{id}`, its conversation across channels.

Another tenant's case is a 404, as in the API: the page never says it exists.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from escucha.core.models import as_utc
from escucha.web.browser import Agent, language_of, page
from escucha.web.inbox import local_time
from escucha.web.state import ApiState, get_state

router = APIRouter(include_in_schema=False)
State = Annotated[ApiState, Depends(get_state)]


@router.get("/cases/{case_id}")
def case(request: Request, state: State, agent: Agent, case_id: str) -> Response:
    history = state.casebook.cases.history(case_id)
    if history is None or history.case.tenant != agent.tenant:
        raise HTTPException(404, "no such case")  # another tenant's case is not there
    tenant = state.casebook.tenant_of(agent.tenant)
    said = sorted(
        [(as_utc(m.created_at), "customer" if m.inbound else "us", m.author, m.text)
         for m in history.mentions]
        + [(as_utc(r.sent_at or r.created_at), "us", r.author, r.text) for r in history.replies],
        key=lambda entry: entry[0],
    )  # fmt: skip
    return page(request, "case.html.j2", language_of(agent), agent=agent, case=history.case,
                said=said, local=local_time(tenant.zone), active="inbox")  # fmt: skip
