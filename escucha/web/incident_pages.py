"""The incidents pages: each crisis with its explanation, acknowledge, the delivery log.

Another tenant's incident is a 404, as in the API. Acknowledging goes through the same
`Incidents.acknowledge` the API calls, with the agent as `agent:<id>`, as the API names them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from escucha.core.models import as_utc
from escucha.insight.explain import topic_name
from escucha.store.incidents import STATUSES, IncidentClosed, UnknownIncident
from escucha.store.schema import IncidentRow
from escucha.store.web_logins import WebSession
from escucha.web.browser import Agent, Carer, check_csrf, given_csrf, language_of, page
from escucha.web.inbox import local_time
from escucha.web.state import ApiState, get_state

router = APIRouter(include_in_schema=False)
State = Annotated[ApiState, Depends(get_state)]


@router.get("/incidents")
def incidents(request: Request, state: State, agent: Agent,
              status: Annotated[str | None, Query()] = None) -> Response:  # fmt: skip
    """The tenant's incidents, newest first; `status` keeps those in that state."""
    chosen = status if status in STATUSES else None
    rows = state.incidents.of_tenant(agent.tenant, chosen, 200)
    return _page(request, state, agent, "incidents.html.j2", incidents=rows, status=chosen,
                 statuses=STATUSES)  # fmt: skip


@router.get("/incidents/{incident_id}")
def incident(request: Request, state: State, agent: Agent, incident_id: str) -> Response:
    """One incident: its explanation, acknowledge, its thread and every alert it sent."""
    return _detail(request, state, agent, found(state, agent.tenant, incident_id))


@router.post("/incidents/{incident_id}/acknowledge")
def acknowledge(request: Request, state: State, agent: Carer, incident_id: str,
                csrf: Annotated[str | None, Form()] = None) -> Response:  # fmt: skip
    """The agent takes the incident: the ladder climbs no further; back to its page."""
    check_csrf(given_csrf(request, csrf), agent.csrf)
    try:
        state.incidents.acknowledge(agent.tenant, incident_id, actor_of(agent.agent_id),
                                    datetime.now(UTC))  # fmt: skip
    except UnknownIncident:
        raise HTTPException(404, "no such incident") from None
    except IncidentClosed:
        row = found(state, agent.tenant, incident_id)
        return _detail(request, state, agent, row, error="closed", status_code=409)
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


def actor_of(agent_id: str) -> str:
    """Who the log says acted: the web agent, named as the API names the agents it is told of."""
    return f"agent:{agent_id}"


def found(state: ApiState, tenant: str, incident_id: str) -> IncidentRow:
    try:
        return state.incidents.get(tenant, incident_id)
    except UnknownIncident:
        raise HTTPException(404, "no such incident") from None  # another tenant's is not there


def who_took(state: ApiState, tenant: str) -> Callable[[str | None], str]:
    """How a page names whoever acknowledged: the agent's name when it is one of the tenant's."""
    names = {actor_of(a.id): a.name for a in state.agents.of_tenant(tenant)}

    def name(actor: str | None) -> str:
        return names.get(actor, actor) if actor else "–"

    return name


def _detail(request: Request, state: ApiState, agent: WebSession, row: IncidentRow,
            error: str | None = None, status_code: int = 200) -> Response:  # fmt: skip
    outbox = state.alerting.outbox
    destinations = {d.id: d.name for d in outbox.destinations(agent.tenant)}
    response = _page(request, state, agent, "incident.html.j2", incident=row,
                     explanation=row.explanation or {},
                     thread=state.incidents.thread(agent.tenant, row.id),
                     deliveries=outbox.of_incident(agent.tenant, row.id),
                     destination=lambda ref: destinations.get(ref, ref), error=error,
                     moment=moment, link=safe_link)  # fmt: skip
    response.status_code = status_code
    return response


def _page(request: Request, state: ApiState, agent: WebSession, template: str,
          **context: Any) -> Response:  # fmt: skip
    language = language_of(agent)
    tenant = state.casebook.tenant_of(agent.tenant)
    return page(request, template, language, agent=agent, local=local_time(tenant.zone),
                topic=lambda t: topic_name(t, language), taker=who_took(state, agent.tenant),
                active="incidents", **context)  # fmt: skip


def moment(text: str | None) -> datetime | None:
    """A moment the explanation keeps as ISO text, for `local` to write in the tenant's zone."""
    try:
        return as_utc(datetime.fromisoformat(text)) if text else None
    except ValueError:
        return None


def safe_link(url: str | None) -> str | None:
    """A mention's address as a link only when it is http(s): a stranger wrote the rest."""
    return url if url and url.lower().startswith(("https://", "http://")) else None
