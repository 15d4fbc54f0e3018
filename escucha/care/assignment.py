"""Who takes a case: a pure decision, with the reason shown on the case.

An on-shift, present agent who speaks the case's language and has room; the least loaded
first (open cases against capacity), then the one idle longest. A returning customer's case
goes back to its owner when the owner can take it. No candidate: the case waits unassigned,
and the reason says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from escucha.core.business_time import is_open
from escucha.core.tenant import Hours, Tenant
from escucha.store.agents import AgentRecord

PRESENCE_GRACE = timedelta(seconds=120)  # a phone switching apps must not flap


class Agent(BaseModel, frozen=True):
    id: str
    name: str
    languages: tuple[str, ...] = ("es",)
    capacity: int = Field(default=5, ge=1)
    shift: Hours | None = None  # None: the tenant's business hours


@dataclass(frozen=True)
class AgentLoad:
    agent: Agent
    open_cases: int
    last_heartbeat: datetime | None
    last_assigned_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    agent: str | None
    reason: str


def agent_of(record: AgentRecord) -> Agent:
    """The assignment policy's view of a stored agent (the shift parsed and checked)."""
    return Agent.model_validate({"id": record.id, "name": record.name, "capacity": record.capacity,
                                 "languages": record.languages, "shift": record.shift})  # fmt: skip


def on_shift(tenant: Tenant, agent: Agent, at: datetime) -> bool:
    """Within the agent's shift (or the business hours), in the tenant's zone and holidays."""
    hours = agent.shift if agent.shift is not None else tenant.hours
    return is_open(tenant.model_copy(update={"hours": hours}), at)


def present(load: AgentLoad, at: datetime) -> bool:
    return load.last_heartbeat is not None and at - load.last_heartbeat <= PRESENCE_GRACE


def choose(
    tenant: Tenant,
    loads: Sequence[AgentLoad],
    language: str,
    at: datetime,
    owner: str | None = None,
    avoid: frozenset[str] = frozenset(),
) -> Decision:
    """The agent for a case in `language` at `at`; `owner` is a returning customer's agent,
    `avoid` the agents it was requeued from (taken again only when nobody else can)."""
    available = [
        load for load in loads
        if on_shift(tenant, load.agent, at) and present(load, at)
        and load.open_cases < load.agent.capacity
    ]  # fmt: skip
    if owner is not None and owner not in avoid:
        back = next((load for load in available if load.agent.id == owner), None)
        if back is not None:
            return Decision(owner, f"returning customer: back to {back.agent.name}, who had it")
    speaking = [load for load in available if language in load.agent.languages]
    if not speaking:
        return Decision(None, _why_nobody(tenant, loads, language, at))
    fresh = [load for load in speaking if load.agent.id not in avoid]
    best = min(fresh or speaking, key=_order)
    load = f"{best.open_cases}/{best.agent.capacity}"
    again = "" if fresh else "; again, nobody else can take it"
    return Decision(best.agent.id, f"{best.agent.name}: on shift, speaks {language}, "
                    f"least loaded ({load} cases){again}")  # fmt: skip


def _order(load: AgentLoad) -> tuple[float, int, float]:
    idle_since = load.last_assigned_at.timestamp() if load.last_assigned_at else float("-inf")
    return load.open_cases / load.agent.capacity, load.open_cases, idle_since


def _why_nobody(tenant: Tenant, loads: Sequence[AgentLoad], language: str, at: datetime) -> str:
    working = [load for load in loads if on_shift(tenant, load.agent, at)]
    if not working:
        return "unassigned: no agent is on shift"
    here = [load for load in working if present(load, at)]
    if not here:
        return f"unassigned: {len(working)} on shift, none present in the last 2 minutes"
    speakers = [load for load in here if language in load.agent.languages]
    if not speakers:
        return f"unassigned: nobody present speaks {language}"
    return f"unassigned: the {len(speakers)} present who speak {language} are at capacity"
