"""Alert destinations and the outbox of deliveries to them.

Invariants: a delivery's key (the alert's id and the destination's) makes adding it twice a
no-op; a sender claims a due row by a conditional UPDATE, so two senders never take the same
one, and a row left `sending` past its lease is claimed again; only the latest claim's
outcome is recorded. A destination's settings are
stored sealed and its failures counted in a row, so one that keeps failing shows unhealthy.
Plain e-mails (the weekly report) ride in the same outbox under events named `mail.*`; the
alert sender never takes them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escucha.core.models import as_utc
from escucha.store.leases import claimable, same_claim, take
from escucha.store.schema import (
    AlertDeliveryRow,
    AlertDestinationRow,
    IncidentRow,
    IncidentUpdateRow,
)

LEASE = timedelta(minutes=2)
UNHEALTHY_AFTER = 3  # failures in a row
MAIL = "mail."  # the event of a plain e-mail (the weekly report) carried beside alerts


class UnknownDestination(KeyError):
    pass


class NameTaken(ValueError):
    pass


@dataclass(frozen=True)
class DestinationView:
    """A destination as anyone may see it: no secret."""

    id: str
    tenant: str
    name: str
    kind: str
    public: dict[str, Any]
    healthy: bool
    failures: int
    last_error: str | None
    last_success_at: datetime | None
    dead: int  # deliveries that gave up: its dead letters

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "settings": self.public,
            "healthy": self.healthy,
            "failures_in_a_row": self.failures,
            "last_error": self.last_error,
            "dead_deliveries": self.dead,
            "last_success_at": self.last_success_at.isoformat() if self.last_success_at else None,
        }


@dataclass(frozen=True)
class Delivery:
    """One alert for one destination, before it is written down."""

    key: str  # the alert's id and the destination's: adding it twice is a no-op
    tenant: str
    destination_id: str
    event: str
    alert: dict[str, Any]
    incident_id: str | None = None

    def row(self, now: datetime) -> AlertDeliveryRow:
        return AlertDeliveryRow(
            key=self.key,
            tenant=self.tenant,
            destination_id=self.destination_id,
            incident_id=self.incident_id,
            event=self.event,
            alert=self.alert,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )


class AlertOutbox:
    def __init__(self, engine: Engine, lease: timedelta = LEASE) -> None:
        self.engine, self.lease = engine, lease

    # destinations

    def add_destination(
        self, tenant: str, name: str, kind: str, public: dict[str, Any], sealed: str, now: datetime
    ) -> str:
        row_id = f"dst_{uuid.uuid4().hex[:16]}"
        try:
            with Session(self.engine) as session, session.begin():
                session.add(
                    AlertDestinationRow(
                        id=row_id,
                        tenant=tenant,
                        name=name,
                        kind=kind,
                        public=public,
                        sealed=sealed,
                        failures=0,
                        created_at=now,
                    )
                )
        except IntegrityError:
            raise NameTaken(f"tenant {tenant!r} already has a destination named {name!r}") from None
        return row_id

    def destinations(self, tenant: str) -> list[DestinationView]:
        dead = (
            select(AlertDeliveryRow.destination_id, func.count())
            .where(AlertDeliveryRow.tenant == tenant, AlertDeliveryRow.status == "dead")
            .group_by(AlertDeliveryRow.destination_id)
        )
        query = select(AlertDestinationRow).where(AlertDestinationRow.tenant == tenant)
        with Session(self.engine) as session:
            gave_up = {d: int(n) for d, n in session.execute(dead)}
            return [
                _view(row, gave_up.get(row.id, 0))
                for row in session.scalars(query.order_by(AlertDestinationRow.name))
            ]

    def destination(self, tenant: str, ref: str) -> AlertDestinationRow:
        """The tenant's destination by id or name; another tenant's is as absent as none."""
        query = select(AlertDestinationRow).where(
            AlertDestinationRow.tenant == tenant,
            or_(AlertDestinationRow.id == ref, AlertDestinationRow.name == ref),
        )
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.scalars(query).first()
        if row is None:
            raise UnknownDestination(ref)
        return row

    # deliveries

    def add(self, delivery: Delivery, now: datetime) -> bool:
        """Write the delivery down; False when its key is already there."""
        with Session(self.engine) as session, session.begin():
            if session.get(AlertDeliveryRow, delivery.key) is not None:
                return False
            session.add(delivery.row(now))
            return True

    def fan_out(
        self,
        update_id: int,
        deliveries: list[Delivery],
        now: datetime,
        ladder_step: int | None = None,
    ) -> list[str]:
        """Add an incident thread entry's deliveries and mark the entry done, in one transaction,
        so a crash leaves either both or neither; keys already there are left alone. With
        `ladder_step`, the incident's ladder moves up to it (the first steps of a new one)."""
        added: list[str] = []
        with Session(self.engine) as session, session.begin():
            entry = session.get(IncidentUpdateRow, update_id)
            if entry is None or entry.fanned_out:
                return added
            for delivery in deliveries:
                if session.get(AlertDeliveryRow, delivery.key) is None:
                    session.add(delivery.row(now))
                    added.append(delivery.key)
            entry.fanned_out = True
            if ladder_step is not None:
                session.execute(
                    update(IncidentRow)
                    .where(IncidentRow.id == entry.incident_id,
                           IncidentRow.ladder_step < ladder_step)
                    .values(ladder_step=ladder_step)
                    .execution_options(synchronize_session=False)
                )  # fmt: skip
        return added

    def tenants(self) -> list[str]:
        """Tenants with at least one destination: whose events are worth relaying."""
        query = select(AlertDestinationRow.tenant).distinct()
        with Session(self.engine) as session:
            return sorted(session.scalars(query))

    def remove_destination(self, tenant: str, ref: str) -> None:
        row = self.destination(tenant, ref)
        with Session(self.engine) as session, session.begin():
            gone = session.get(AlertDestinationRow, row.id)
            if gone is not None:
                session.delete(gone)

    def due(self, now: datetime, limit: int = 100, mail: bool = False) -> list[str]:
        """Keys of due alert deliveries; with `mail`, of due plain e-mails instead."""
        is_mail = AlertDeliveryRow.event.startswith(MAIL, autoescape=True)
        query = select(AlertDeliveryRow.key).where(
            claimable(AlertDeliveryRow, now, self.lease), is_mail if mail else ~is_mail
        )
        with Session(self.engine) as session:
            return list(
                session.scalars(query.order_by(AlertDeliveryRow.next_attempt_at).limit(limit))
            )

    def claim(self, key: str, now: datetime) -> AlertDeliveryRow | None:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            if not take(session, AlertDeliveryRow, key, now, self.lease):
                return None
            return session.get(AlertDeliveryRow, key)

    def get(self, key: str) -> AlertDeliveryRow | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(AlertDeliveryRow, key)

    def of_incident(self, tenant: str, incident_id: str) -> list[AlertDeliveryRow]:
        """The incident's delivery log, oldest first."""
        query = select(AlertDeliveryRow).where(
            AlertDeliveryRow.tenant == tenant, AlertDeliveryRow.incident_id == incident_id
        )
        with Session(self.engine, expire_on_commit=False) as session:
            return list(
                session.scalars(query.order_by(AlertDeliveryRow.created_at, AlertDeliveryRow.key))
            )

    def sent(self, claimed: AlertDeliveryRow, receipt: str, now: datetime) -> None:
        self._settle(claimed, now, ok=True, status="sent", receipt=receipt[:200], sent_at=now,
                     last_error=None)  # fmt: skip

    def retry(self, claimed: AlertDeliveryRow, at: datetime, reason: str, now: datetime) -> None:
        self._settle(claimed, now, ok=False, status="pending", next_attempt_at=at,
                     last_error=reason)  # fmt: skip

    def dead(self, claimed: AlertDeliveryRow, reason: str, now: datetime) -> None:
        self._settle(claimed, now, ok=False, status="dead", last_error=reason)

    def _settle(self, claimed: AlertDeliveryRow, now: datetime, ok: bool, **values: object) -> None:
        """Record the attempt of the sender holding `claimed`; nothing when its lease ran out
        and another sender claimed the row since (that one's outcome is the one kept)."""
        with Session(self.engine) as session, session.begin():
            row = session.get(AlertDeliveryRow, claimed.key)
            if row is None or row.status != "sending" or not same_claim(row, claimed):
                return
            for name, value in values.items():
                setattr(row, name, value)
            row.attempts += 1
            health = (
                {"failures": 0, "last_success_at": now}
                if ok
                else {
                    "failures": AlertDestinationRow.failures + 1,
                    "last_error": values.get("last_error"),
                }
            )
            session.execute(
                update(AlertDestinationRow)
                .where(AlertDestinationRow.id == row.destination_id)
                .values(**health)
            )


def _view(row: AlertDestinationRow, dead: int) -> DestinationView:
    success = as_utc(row.last_success_at) if row.last_success_at else None
    return DestinationView(
        row.id,
        row.tenant,
        row.name,
        row.kind,
        row.public,
        row.failures < UNHEALTHY_AFTER,
        row.failures,
        row.last_error,
        success,
        dead,
    )
