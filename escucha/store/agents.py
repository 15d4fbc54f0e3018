"""A tenant's agents in the store: who answers, in which languages, how many cases at once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from escucha.store.schema import AgentRow

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class AgentRecord:
    id: str
    name: str
    email: str
    languages: tuple[str, ...]
    capacity: int
    shift: str | None  # None: the tenant's business hours


class Agents:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, tenant: str, agent: AgentRecord) -> bool:
        """Create or replace the agent; True when new. Raises ValueError, saying why."""
        if not EMAIL.match(agent.email):
            raise ValueError(f"email {agent.email!r} is not an address")
        with Session(self.engine) as session, session.begin():
            row = session.get(AgentRow, agent.id)
            if row is not None and row.tenant != tenant:
                raise ValueError(f"agent id {agent.id!r} belongs to another tenant")
            created = row is None
            row = row or AgentRow(id=agent.id, tenant=tenant, created_at=datetime.now(UTC))
            row.name, row.email, row.capacity = agent.name, agent.email, agent.capacity
            row.languages, row.shift = list(agent.languages), agent.shift
            session.add(row)
            return created

    def of_tenant(self, tenant: str) -> list[AgentRecord]:
        with Session(self.engine) as session:
            query = select(AgentRow).where(AgentRow.tenant == tenant).order_by(AgentRow.id)
            return [_record(row) for row in session.scalars(query)]

    def get(self, tenant: str, agent_id: str) -> AgentRecord | None:
        with Session(self.engine) as session:
            row = session.get(AgentRow, agent_id)
            return _record(row) if row is not None and row.tenant == tenant else None


def _record(row: AgentRow) -> AgentRecord:
    return AgentRecord(row.id, row.name, row.email, tuple(row.languages), row.capacity, row.shift)
