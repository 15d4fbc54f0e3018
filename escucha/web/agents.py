"""Agents over the API: list them with presence, add one, and heartbeats that keep them present."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from escucha.care import presence
from escucha.care.assignment import PRESENCE_GRACE, agent_of
from escucha.core.errors import why_invalid
from escucha.store.agents import AgentRecord
from escucha.web.auth import Admin, Agent, Reader
from escucha.web.state import ApiState, get_state

router = APIRouter(prefix="/v1", tags=["care"])
State = Annotated[ApiState, Depends(get_state)]


class NewAgent(BaseModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    name: str = Field(min_length=1, max_length=200)
    email: str = Field(max_length=320)
    languages: list[str] = ["es"]
    capacity: int = Field(default=5, ge=1, le=1000)
    shift: str | None = Field(
        default=None, description='"mon-fri 09:00-17:00"; none: business hours'
    )


@router.get("/agents")
def list_agents(state: State, tenant: Reader) -> list[dict[str, Any]]:
    """The tenant's agents, each with whether they are present (a heartbeat within 120 s)."""
    seen = presence.last_seen(state.ctx.redis, tenant)
    now = datetime.now(UTC)
    return [
        {**agent.__dict__, "tenant": tenant, "languages": list(agent.languages),
         "last_seen": seen.get(agent.id),
         "present": agent.id in seen and now - seen[agent.id] <= PRESENCE_GRACE}
        for agent in state.agents.of_tenant(tenant)
    ]  # fmt: skip


@router.post("/agents", status_code=201)
async def add_agent(state: State, tenant: Admin, body: NewAgent) -> dict[str, Any]:
    record = AgentRecord(body.id, body.name, body.email, tuple(body.languages), body.capacity,
                         body.shift)  # fmt: skip
    try:
        agent_of(record)
        created = await run_in_threadpool(state.agents.add, tenant, record)
    except ValidationError as error:
        raise HTTPException(422, why_invalid(error)) from None
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    return {"id": record.id, "created": created}


@router.post("/agents/{agent_id}/presence", status_code=204)
def heartbeat(state: State, tenant: Agent, agent_id: str) -> Response:
    """The agent is at their desk (their app calls this every minute or so)."""
    if state.agents.get(tenant, agent_id) is None:
        raise HTTPException(404, f"no agent {agent_id!r}")
    presence.beat(state.ctx.redis, tenant, agent_id, datetime.now(UTC))
    return Response(status_code=204)
