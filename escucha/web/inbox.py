"""The web inbox's list: `/` (to the inbox or the login) and `/inbox` (open cases by urgency).

Pages read only the logged-in agent's tenant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from escucha.core.models import as_utc
from escucha.store.cases import CaseFilter
from escucha.web.browser import SESSION_COOKIE, Agent, language_of, page
from escucha.web.state import ApiState, get_state

router = APIRouter(include_in_schema=False)
State = Annotated[ApiState, Depends(get_state)]
OPEN = ("new", "open", "waiting_on_customer")


@router.get("/")
def home(request: Request) -> Response:
    where = "/inbox" if request.cookies.get(SESSION_COOKIE) else "/login"
    return RedirectResponse(where, status_code=303)


@router.get("/inbox")
def inbox(request: Request, state: State, agent: Agent) -> Response:
    cases = state.casebook.cases.listing(agent.tenant, CaseFilter(limit=100))
    shown = [c for c in cases if c.status in OPEN]
    tenant = state.casebook.tenant_of(agent.tenant)
    return page(request, "inbox.html.j2", language_of(agent), agent=agent, cases=shown,
                local=local_time(tenant.zone), active="inbox")  # fmt: skip


def local_time(zone: ZoneInfo) -> Callable[[datetime | None], str]:
    """How a page writes a moment: in the tenant's zone, to the minute."""

    def local(at: datetime | None) -> str:
        return as_utc(at).astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else "–"

    return local
