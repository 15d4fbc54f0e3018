"""Incidents and their thread of updates, always read and written within one tenant.

Invariant: a tenant has at most one incident that is not closed; the watch that writes it
runs once per tenant at a time (beat's lock and a per-tenant Redis lock), and `write` refuses
an incident of another tenant.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from escucha.core.models import as_utc
from escucha.store.schema import IncidentRow, IncidentUpdateRow

STATUSES = ("open", "escalating", "subsiding", "closed")


class UnknownIncident(KeyError):
    pass


class IncidentClosed(ValueError):
    """The incident closed before anyone took it."""


@dataclass(frozen=True)
class PastIncident:
    topics: tuple[str, ...]
    since: datetime
    until: datetime


def new_id() -> str:
    return f"inc_{uuid.uuid4().hex[:20]}"


class Incidents:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def current(self, tenant: str) -> IncidentRow | None:
        """The tenant's incident that is not closed, if any."""
        query = (
            select(IncidentRow)
            .where(IncidentRow.tenant == tenant, IncidentRow.status != "closed")
            .order_by(IncidentRow.opened_at.desc())
        )
        with Session(self.engine, expire_on_commit=False) as session:
            return session.scalars(query.limit(1)).first()

    def write(
        self,
        tenant: str,
        incident_id: str,
        values: dict[str, Any],
        change: str | None,
        note: dict[str, Any],
        now: datetime,
    ) -> None:
        """Insert or update the incident; with a change, add it to the incident's thread."""
        with Session(self.engine) as session, session.begin():
            row = session.get(IncidentRow, incident_id)
            if row is None:
                row = IncidentRow(id=incident_id, tenant=tenant, ladder_step=0)
                session.add(row)
            elif row.tenant != tenant:
                raise UnknownIncident(incident_id)
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
            if change is not None:
                session.add(
                    IncidentUpdateRow(
                        incident_id=incident_id, tenant=tenant, at=now, change=change, data=note
                    )
                )

    def past(self, tenant: str, since: datetime, now: datetime) -> list[PastIncident]:
        """Incidents that touched [since, now): their bins leave the baselines."""
        query = select(IncidentRow).where(
            IncidentRow.tenant == tenant,
            (IncidentRow.closed_at.is_(None)) | (IncidentRow.closed_at >= since),
        )
        with Session(self.engine) as session:
            return [
                PastIncident(
                    tuple(row.topics),
                    as_utc(row.first_window_start),
                    as_utc(row.closed_at) if row.closed_at else now,
                )
                for row in session.scalars(query)
            ]

    def of_tenant(
        self, tenant: str, status: str | None = None, limit: int = 100
    ) -> list[IncidentRow]:
        query = select(IncidentRow).where(IncidentRow.tenant == tenant)
        if status is not None:
            query = query.where(IncidentRow.status == status)
        query = query.order_by(IncidentRow.opened_at.desc(), IncidentRow.id).limit(limit)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(query))

    def opened_between(self, tenant: str, since: datetime, until: datetime) -> list[IncidentRow]:
        """The tenant's incidents opened in [since, until), oldest first."""
        query = select(IncidentRow).where(IncidentRow.tenant == tenant,
                                          IncidentRow.opened_at >= since,
                                          IncidentRow.opened_at < until)  # fmt: skip
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(query.order_by(IncidentRow.opened_at, IncidentRow.id)))

    def get(self, tenant: str, incident_id: str) -> IncidentRow:
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.get(IncidentRow, incident_id)
        if row is None or row.tenant != tenant:
            raise UnknownIncident(incident_id)  # another tenant's is as absent as none
        return row

    def thread(self, tenant: str, incident_id: str) -> list[IncidentUpdateRow]:
        query = (
            select(IncidentUpdateRow)
            .where(IncidentUpdateRow.tenant == tenant, IncidentUpdateRow.incident_id == incident_id)
            .order_by(IncidentUpdateRow.id)
        )
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(query))

    def acknowledge(self, tenant: str, incident_id: str, who: str, now: datetime) -> bool:
        """Record who took it; False when it was acknowledged before (nothing changes).
        A closed incident nobody took stays so: there is nothing left to take."""
        with Session(self.engine) as session, session.begin():
            row = session.get(IncidentRow, incident_id)
            if row is None or row.tenant != tenant:
                raise UnknownIncident(incident_id)
            if row.acknowledged_at is not None:
                return False
            if row.status == "closed":
                raise IncidentClosed(incident_id)
            row.acknowledged_at, row.acknowledged_by, row.updated_at = now, who, now
            session.add(
                IncidentUpdateRow(
                    incident_id=incident_id,
                    tenant=tenant,
                    at=now,
                    change="acknowledged",
                    data={"by": who},
                )
            )
            return True

    def live(self) -> list[IncidentRow]:
        """Every tenant's incidents that are not closed: each must be checked until it is."""
        query = select(IncidentRow).where(IncidentRow.status != "closed")
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(query))

    def unacknowledged(self) -> list[IncidentRow]:
        """Every tenant's live incidents nobody has taken and whose thread is all fanned out
        (the opening alerted, the last climb too): the ladder's work."""
        pending = select(IncidentUpdateRow.id).where(
            IncidentUpdateRow.incident_id == IncidentRow.id,
            IncidentUpdateRow.fanned_out.is_(False),
        )
        query = select(IncidentRow).where(
            IncidentRow.status != "closed",
            IncidentRow.acknowledged_at.is_(None),
            ~pending.exists(),
        )
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(query))

    def climb(
        self, tenant: str, incident_id: str, taken: int, reached: int, now: datetime,
        note: dict[str, Any],
    ) -> bool:  # fmt: skip
        """Move the ladder from step `taken` to `reached`; False when another process did, or
        someone acknowledged it meanwhile. The thread entry it adds is what alerts the step."""
        with Session(self.engine) as session, session.begin():
            moved = session.execute(
                update(IncidentRow)
                .where(
                    IncidentRow.id == incident_id,
                    IncidentRow.tenant == tenant,
                    IncidentRow.ladder_step == taken,
                    IncidentRow.acknowledged_at.is_(None),
                    IncidentRow.status != "closed",
                )
                .values(ladder_step=reached, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if not getattr(moved, "rowcount", 0):
                return False
            session.add(
                IncidentUpdateRow(
                    incident_id=incident_id, tenant=tenant, at=now, change="escalated", data=note
                )
            )
            return True

    def pending_updates(self, limit: int = 100) -> list[IncidentUpdateRow]:
        """Thread entries of every tenant not yet turned into alerts, oldest first."""
        query = (
            select(IncidentUpdateRow)
            .where(IncidentUpdateRow.fanned_out.is_(False))
            .order_by(IncidentUpdateRow.id)
            .limit(limit)
        )
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(query))
