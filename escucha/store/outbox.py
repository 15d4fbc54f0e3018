"""The outbox: replies written down before they are sent, so none is lost or sent twice.

A reply is a row keyed by its idempotency key (adding it again changes nothing). A sender
claims a due row by moving it from `pending` to `sending` in one conditional UPDATE, so two
senders never take the same row; a row left `sending` past its lease was cut off mid-attempt
and is claimed again as *interrupted*, so the platform is asked first whether it already has
the reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escucha.store.leases import claimable, same_claim, take
from escucha.store.schema import CaseRow, OutboxRow

LEASE = timedelta(minutes=5)  # longer than any one attempt's HTTP timeouts


@dataclass(frozen=True)
class NewReply:
    key: str
    tenant: str
    account: str
    platform: str
    in_reply_to: str
    text: str
    case_id: str | None = None
    private: bool = False
    author_handle: str | None = None
    direct: bool = False  # an answer in a DM conversation, to `recipient_id`
    recipient_id: str | None = None
    author: str = "agent"  # or "automation": a bot's reply, counted in no care figure


@dataclass(frozen=True)
class Claimed:
    row: OutboxRow
    interrupted: bool  # the previous attempt may have reached the platform


class Outbox:
    def __init__(self, engine: Engine, lease: timedelta = LEASE) -> None:
        self.engine, self.lease = engine, lease

    def add(self, reply: NewReply, now: datetime | None = None) -> bool:
        """Write the reply down; False when its key is already there (nothing changes)."""
        at = now or datetime.now(UTC)
        try:
            with Session(self.engine) as session, session.begin():
                if session.get(OutboxRow, reply.key) is not None:
                    return False
                session.add(OutboxRow(**reply.__dict__, status="pending", attempts=0,
                                      next_attempt_at=at, created_at=at))  # fmt: skip
        except IntegrityError:  # another writer added the same key first
            return False
        return True

    def cases_sent(self, tenant: str, key_prefix: str, since: datetime, until: datetime
                   ) -> list[str]:  # fmt: skip
        """The cases that replies keyed `key_prefix...` reached in [since, until)."""
        query = select(OutboxRow.case_id).where(
            OutboxRow.tenant == tenant, OutboxRow.key.startswith(key_prefix, autoescape=True),
            OutboxRow.sent_at >= since, OutboxRow.sent_at < until, OutboxRow.case_id.is_not(None),
        )  # fmt: skip
        with Session(self.engine) as session:
            return sorted({c for c in session.scalars(query.distinct()) if c})

    def existing(self, keys: list[str]) -> set[str]:
        """Which of `keys` are in the outbox already."""
        with Session(self.engine) as session:
            query = select(OutboxRow.key).where(OutboxRow.key.in_(keys))
            return set(session.scalars(query)) if keys else set()

    def get(self, key: str) -> OutboxRow | None:
        with Session(self.engine, expire_on_commit=False) as session:
            return session.get(OutboxRow, key)

    def of_case(self, tenant: str, case_id: str) -> list[OutboxRow]:
        """The case's replies, in the order they were written."""
        query = select(OutboxRow).where(OutboxRow.tenant == tenant, OutboxRow.case_id == case_id)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(query.order_by(OutboxRow.created_at, OutboxRow.key)))

    def due(self, now: datetime, limit: int = 100) -> list[str]:
        with Session(self.engine) as session:
            due = claimable(OutboxRow, now, self.lease)
            query = select(OutboxRow.key).where(due).order_by(OutboxRow.next_attempt_at)
            return list(session.scalars(query.limit(limit)))

    def claim(self, key: str, now: datetime) -> Claimed | None:
        """Take the row for one attempt, or None when it is not due or another sender has it."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            before = session.get(OutboxRow, key)
            if before is None:
                return None
            interrupted = before.status == "sending"
            if not take(session, OutboxRow, key, now, self.lease):
                return None
            session.refresh(before)
            return Claimed(before, interrupted)

    def sent(self, claimed: Claimed, platform_id: str, now: datetime,
             recipient_id: str | None = None) -> None:  # fmt: skip
        reached = {"recipient_id": recipient_id} if recipient_id else {}  # a DM's stays
        self._settle(claimed, now, status="sent", platform_id=platform_id, sent_at=now,
                     last_error=None, **reached)  # fmt: skip

    def retry(self, claimed: Claimed, at: datetime, reason: str, now: datetime) -> None:
        self._settle(claimed, now, status="pending", next_attempt_at=at, last_error=reason)

    def dead(self, claimed: Claimed, reason: str, now: datetime) -> None:
        self._settle(claimed, now, status="dead", last_error=reason)

    def _settle(self, claimed: Claimed, now: datetime, **values: object) -> None:
        """Write an attempt's outcome, unless its lease ran out and another sender claimed the
        row since: that sender's outcome is the one kept."""
        with Session(self.engine) as session, session.begin():
            row = session.get(OutboxRow, claimed.row.key)
            if row is None or row.status != "sending" or not same_claim(row, claimed.row):
                return
            for name, value in values.items():
                setattr(row, name, value)
            row.attempts += 1
            if row.case_id is not None:  # its case's clocks changed: mark it for projection
                session.execute(update(CaseRow).where(CaseRow.id == row.case_id)
                                .values(check_at=now))  # fmt: skip
