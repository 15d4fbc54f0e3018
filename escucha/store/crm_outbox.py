"""The outbox of writes to tenants' CRMs, and the conversions the CRMs report back.

Invariants: a row's key (what caused the write: a case resolved, a consent changed) makes
adding it twice a no-op; a sender claims up to a batch of one tenant's due rows for one CRM
account by conditional UPDATEs, so two senders never hold the same row; only the latest
claim's outcome is written (`escucha.store.leases`). A conversion is stored once per CRM event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escucha.store.leases import claimable, same_claim, take
from escucha.store.schema import ConversionRow, CrmOutboxRow

LEASE = timedelta(minutes=2)
RECHECK = timedelta(hours=6)  # how often a deal with no contact of ours is asked about


CONTACT_WRITE = "contact.upsert"  # a contact's fields; other kinds are events


@dataclass(frozen=True)
class NewWrite:
    key: str
    tenant: str
    account: str
    contact_id: str
    properties: dict[str, str]
    kind: str = CONTACT_WRITE


@dataclass(frozen=True)
class Claimed:
    row: CrmOutboxRow
    interrupted: bool  # a sender was cut off holding it: the CRM may already have it


class CrmOutbox:
    def __init__(self, engine: Engine, lease: timedelta = LEASE) -> None:
        self.engine = engine
        self.lease = lease

    def add(self, write: NewWrite, now: datetime) -> bool:
        """Write it down; False when its key is already there (nothing changes)."""
        try:
            with Session(self.engine) as session, session.begin():
                if session.get(CrmOutboxRow, write.key) is not None:
                    return False
                session.add(CrmOutboxRow(**write.__dict__, status="pending", attempts=0,
                                         next_attempt_at=now, created_at=now))  # fmt: skip
        except IntegrityError:  # another writer added the same key first
            return False
        return True

    def get(self, key: str) -> CrmOutboxRow | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(CrmOutboxRow, key)

    def existing(self, keys: list[str]) -> set[str]:
        """Which of `keys` are in the outbox already."""
        with Session(self.engine) as session:
            query = select(CrmOutboxRow.key).where(CrmOutboxRow.key.in_(keys))
            return set(session.scalars(query)) if keys else set()

    def ever_sent(self, tenant: str, account: str, contact_id: str) -> bool:
        query = select(CrmOutboxRow.key).where(
            CrmOutboxRow.tenant == tenant, CrmOutboxRow.account == account,
            CrmOutboxRow.contact_id == contact_id, CrmOutboxRow.status == "sent",
        )  # fmt: skip
        with Session(self.engine) as session:
            return session.scalars(query.limit(1)).first() is not None

    def due_accounts(self, now: datetime) -> list[tuple[str, str]]:
        """(tenant, account) pairs with rows a sender may take now."""
        query = select(CrmOutboxRow.tenant, CrmOutboxRow.account).where(
            claimable(CrmOutboxRow, now, self.lease)
        )
        with Session(self.engine) as session:
            return sorted({(t, a) for t, a in session.execute(query.distinct())})

    def claim_batch(self, tenant: str, account: str, now: datetime, limit: int) -> list[Claimed]:
        """Take up to `limit` due rows of one tenant's account, oldest first."""
        due = claimable(CrmOutboxRow, now, self.lease)
        query = (
            select(CrmOutboxRow)
            .where(CrmOutboxRow.tenant == tenant, CrmOutboxRow.account == account, due)
            .order_by(CrmOutboxRow.next_attempt_at, CrmOutboxRow.key)
            .limit(limit)
        )
        taken = []
        with Session(self.engine, expire_on_commit=False) as session:
            candidates = list(session.scalars(query))
        for row in candidates:
            claimed = self._claim(row.key, now)
            if claimed is not None:
                taken.append(Claimed(claimed, interrupted=row.status == "sending"))
        return taken

    def _claim(self, key: str, now: datetime) -> CrmOutboxRow | None:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            if not take(session, CrmOutboxRow, key, now, self.lease):
                return None
            return session.get(CrmOutboxRow, key)

    def sent(self, claimed: Claimed, crm_id: str, now: datetime) -> None:
        """The row reached the CRM. When it wrote a contact's fields, older such rows of its
        contact not yet sent are moot now (the CRM holds newer facts): they are settled with
        it, so none can go out late and overwrite. An event (a case resolved, a lead) is its
        own news and supersedes nothing."""
        settled = self._settle(claimed, status="sent", crm_id=crm_id, sent_at=now, last_error=None)
        if settled and claimed.row.kind == CONTACT_WRITE:
            row = claimed.row
            with Session(self.engine) as session, session.begin():
                session.execute(
                    update(CrmOutboxRow)
                    .where(CrmOutboxRow.tenant == row.tenant, CrmOutboxRow.account == row.account,
                           CrmOutboxRow.contact_id == row.contact_id,
                           CrmOutboxRow.kind == row.kind,
                           CrmOutboxRow.created_at < row.created_at,
                           CrmOutboxRow.status == "pending")
                    .values(status="sent", crm_id=crm_id, sent_at=now,
                            last_error=f"superseded by {row.key}")
                )  # fmt: skip

    def retry(self, claimed: Claimed, at: datetime, reason: str) -> None:
        self._settle(claimed, status="pending", next_attempt_at=at, last_error=reason)

    def dead(self, claimed: Claimed, reason: str) -> None:
        self._settle(claimed, status="dead", last_error=reason)

    def _settle(self, claimed: Claimed, **values: Any) -> bool:
        """Whether the outcome was written (the claim was still this sender's)."""
        with Session(self.engine) as session, session.begin():
            row = session.get(CrmOutboxRow, claimed.row.key)
            if row is None or row.status != "sending" or not same_claim(row, claimed.row):
                return False
            for name, value in values.items():
                setattr(row, name, value)
            row.attempts += 1
            return True

    def counts(self, tenant: str) -> dict[str, int]:
        query = (
            select(CrmOutboxRow.status, func.count())
            .where(CrmOutboxRow.tenant == tenant)
            .group_by(CrmOutboxRow.status)
        )
        with Session(self.engine) as session:
            return {status: int(n) for status, n in session.execute(query)}

    def of_tenant(self, tenant: str, status: str | None = None) -> list[CrmOutboxRow]:
        query = select(CrmOutboxRow).where(CrmOutboxRow.tenant == tenant)
        if status is not None:
            query = query.where(CrmOutboxRow.status == status)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(query.order_by(CrmOutboxRow.created_at, CrmOutboxRow.key)))


class Conversions:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, row: ConversionRow) -> bool:
        """Store a conversion once; False when its event was already stored (a redelivery)."""
        try:
            with Session(self.engine) as session, session.begin():
                if session.get(ConversionRow, row.id) is not None:
                    return False
                session.add(row)
        except IntegrityError:
            return False
        return True

    def unattributed(self, now: datetime, every: timedelta = RECHECK, limit: int = 100
                     ) -> list[ConversionRow]:  # fmt: skip
        """Conversions whose contact is not known yet and that were not asked about lately:
        a deal with someone escucha never met is asked about again only every `every`."""
        asked_before = now - every
        query = select(ConversionRow).where(
            ConversionRow.contact_id.is_(None),
            (ConversionRow.checked_at.is_(None)) | (ConversionRow.checked_at <= asked_before),
        )
        order = query.order_by(ConversionRow.checked_at.is_not(None), ConversionRow.received_at)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(order.limit(limit)))

    def checked(self, conversion_id: str, contact_id: str | None, now: datetime,
                amount: float | None = None) -> None:  # fmt: skip
        """Write down what the CRM said: its contact (and the deal's amount), or that it named
        none of ours yet."""
        values: dict[str, Any] = {"contact_id": contact_id, "checked_at": now}
        if amount is not None:
            values["amount"] = amount
        with Session(self.engine) as session, session.begin():
            session.execute(update(ConversionRow).where(ConversionRow.id == conversion_id)
                            .values(**values))  # fmt: skip

    def of_tenant(self, tenant: str, since: datetime, until: datetime) -> list[ConversionRow]:
        query = select(ConversionRow).where(
            ConversionRow.tenant == tenant, ConversionRow.at >= since, ConversionRow.at < until
        )
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(query.order_by(ConversionRow.at)))
