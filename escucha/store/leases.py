"""Leases on outbox rows: how every outbox (replies, alerts, CRM sync) hands a row to one sender.

A row is claimable when it is pending and due, or when its sender's lease ran out while it was
`sending` (that sender is taken for dead). Only the latest claim may write the outcome: a
sender that comes back after its lease ran out finds another claim on the row and writes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, update
from sqlalchemy.orm import Session

from escucha.core.models import as_utc


def claimable(table: Any, now: datetime, lease: timedelta) -> ColumnElement[bool]:
    """Rows of `table` (an outbox model with status, next_attempt_at, claimed_at) one may take."""
    stale = as_utc(now) - lease
    return or_(
        and_(table.status == "pending", table.next_attempt_at <= now),
        and_(table.status == "sending", table.claimed_at <= stale),
    )


def same_claim(row: Any, claimed: Any) -> bool:
    """Whether `row`, read now, is still under the claim `claimed` was taken with."""
    if row.claimed_at is None or claimed.claimed_at is None:
        return False
    return bool(as_utc(row.claimed_at) == as_utc(claimed.claimed_at))


def take(session: Session, table: Any, key: str, now: datetime, lease: timedelta) -> bool:
    """Claim the row `key` for this sender by a conditional UPDATE; True when it is now ours."""
    taken = session.execute(
        update(table)
        .where(table.key == key, claimable(table, now, lease))
        .values(status="sending", claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(taken, "rowcount", 0))
