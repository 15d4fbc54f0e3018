"""The web inbox's list: `/` (to the inbox or the login), `/inbox` (cases by urgency, with
filters), `/inbox/rows` (just the table's rows, which the page fetches again every minute and
whenever `/inbox/events` says the tenant's cases changed).

Pages read only the logged-in agent's tenant. Rows come in the order `GET /v1/cases` gives
(SLA state, then priority); each SLA clock shows the counted time left as of the request, in
business time for a business clock, so the page needs no clock of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from escucha.care.countdown import Countdown, countdown
from escucha.core.models import as_utc
from escucha.core.tenant import Tenant
from escucha.store.cases import CaseFacts, CaseFilter, rank_of
from escucha.store.schema import CaseRow
from escucha.store.web_logins import WebSession
from escucha.web import live
from escucha.web.browser import SESSION_COOKIE, Agent, LoginNeeded, current, page
from escucha.web.browser import language_of as page_language
from escucha.web.state import ApiState, get_state

router = APIRouter(include_in_schema=False)
State = Annotated[ApiState, Depends(get_state)]
OPEN = ("new", "open", "waiting_on_customer")
STATUSES = (*OPEN, "resolved", "closed")
SLA_STATES = ("breached", "warning", "on_track", "met")
LIMIT = 100  # rows a page shows
REFRESH_S = 60  # the rows are fetched again this often, so the clocks move without a reload


@dataclass(frozen=True)
class Filters:
    """What the agent narrowed the list to; empty means any (status: any open one)."""

    status: str = ""  # one of STATUSES, "all", or "" for the open ones
    channel: str = ""
    assignee: str = ""  # an agent id, "me" or "none"
    language: str = ""
    sla: str = ""  # one of SLA_STATES

    def query(self) -> str:
        """The filters as a query string, for the rows' URL."""
        return urlencode({k: v for k, v in vars(self).items() if v})


@dataclass(frozen=True)
class Row:
    """One case as its row shows it."""

    case: CaseRow
    clock: Countdown | None
    reasons: list[str] = field(default_factory=list)
    sentiment: str | None = None
    assignee: str | None = None  # the agent's name


def filters(status: str = "", channel: str = "", assignee: str = "", language: str = "",
            sla: str = "") -> Filters:  # fmt: skip
    """The query's filters; a status or SLA state the list does not know is refused (422)."""
    if status not in (*STATUSES, "all", ""):
        raise HTTPException(422, f"status {status!r} is not one of {', '.join(STATUSES)}, all")
    if sla not in (*SLA_STATES, ""):
        raise HTTPException(422, f"sla {sla!r} is not one of {', '.join(SLA_STATES)}")
    return Filters(status, channel[:32], assignee[:64], language[:8], sla)


Wanted = Annotated[Filters, Depends(filters)]


def htmx_agent(request: Request, state: State) -> WebSession:
    """The session of a request htmx makes: without one, 401 and HX-Redirect to the login, so
    the login page is not swapped into the table."""
    try:
        return current(request, state)
    except LoginNeeded:
        if request.headers.get("hx-request") != "true":
            raise
        raise HTTPException(401, "log in again", headers={"HX-Redirect": "/login"}) from None


@router.get("/")
def home(request: Request) -> Response:
    where = "/inbox" if request.cookies.get(SESSION_COOKIE) else "/login"
    return RedirectResponse(where, status_code=303)


@router.get("/inbox")
def inbox(request: Request, state: State, agent: Agent, wanted: Wanted) -> Response:
    tenant = state.casebook.tenant_of(agent.tenant)
    choices = state.casebook.cases.choices(agent.tenant)
    return page(request, "inbox.html.j2", page_language(agent), agent=agent, active="inbox",
                rows=rows(state, agent, tenant, wanted), wanted=wanted,
                channels=list(choices.channels), languages=list(choices.languages),
                agents=_names(state, agent.tenant), **_helpers(tenant))  # fmt: skip


@router.get("/inbox/rows")
def inbox_rows(
    request: Request,
    state: State,
    agent: Annotated[WebSession, Depends(htmx_agent)],
    wanted: Wanted,
) -> Response:
    """The table's rows alone: what htmx swaps into `#cases tbody`."""
    tenant = state.casebook.tenant_of(agent.tenant)
    # Not cached, as no page is (escucha/web/headers.py).
    return page(request, "inbox_rows.html.j2", page_language(agent), agent=agent,
                wanted=wanted, rows=rows(state, agent, tenant, wanted),
                **_helpers(tenant))  # fmt: skip


@router.get("/inbox/events")
async def inbox_events(request: Request, state: State) -> Response:
    """The agent's tenant's events as server-sent events; 401 without a live session (a
    browser's EventSource would only follow a redirect to a page it cannot read)."""
    try:
        agent = await run_in_threadpool(current, request, state)
    except LoginNeeded:
        return Response("log in first", status_code=401, media_type="text/plain")
    stores = state.settings.stores
    events = live.stream(stores.effective_redis_url, agent.tenant,
                         request.headers.get("last-event-id"), request.is_disconnected,
                         stores.redis_master)  # fmt: skip
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}  # no proxy buffering
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


def rows(state: ApiState, agent: WebSession, tenant: Tenant, wanted: Filters) -> list[Row]:
    """The cases the filters leave, most urgent first, with what each row shows."""
    cases = listed(state, agent, wanted)
    facts = state.casebook.cases.facts(agent.tenant, [c.id for c in cases])
    names = _names(state, agent.tenant)
    now = datetime.now(UTC)
    return [Row(case, countdown(tenant, case.sla or [], now), *_shown(facts.get(case.id)),
                names.get(case.assignee or "", case.assignee)) for case in cases]  # fmt: skip


def _shown(facts: CaseFacts | None) -> tuple[list[str], str | None]:
    """A row's (reasons, sentiment) from its case's facts; none for a case without them."""
    return (list(facts.reasons), facts.sentiment) if facts else ([], None)


def listed(state: ApiState, agent: WebSession, wanted: Filters) -> list[CaseRow]:
    """The tenant's cases as `GET /v1/cases` orders them; by default its open ones."""
    assignee = agent.agent_id if wanted.assignee == "me" else wanted.assignee or None
    statuses: Sequence[str | None] = (
        OPEN if not wanted.status else [None if wanted.status == "all" else wanted.status]
    )
    found: list[CaseRow] = []
    for status in statuses:
        query = CaseFilter(status=status, assignee=assignee, sla=wanted.sla or None,
                           channel=wanted.channel or None, language=wanted.language or None,
                           limit=LIMIT * 2)  # fmt: skip
        found.extend(state.casebook.cases.listing(agent.tenant, query))
    return sorted(found, key=rank_of)[:LIMIT]


def span(seconds: float) -> str:
    """Counted time as a row shows it: "2 h 10 min", "45 min" (the same in both languages)."""
    minutes = math.ceil(seconds / 60) if seconds >= 0 else math.floor(-seconds / 60)
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours else f"{rest} min"


def _names(state: ApiState, tenant: str) -> dict[str, str]:
    return {a.id: a.name for a in state.agents.of_tenant(tenant)}


def _helpers(tenant: Tenant) -> dict[str, Any]:
    return {"local": local_time(tenant.zone), "span": span, "refresh_s": REFRESH_S}


def local_time(zone: ZoneInfo) -> Callable[[datetime | None], str]:
    """How a page writes a moment: in the tenant's zone, to the minute."""

    def local(at: datetime | None) -> str:
        return as_utc(at).astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else "–"

    return local
