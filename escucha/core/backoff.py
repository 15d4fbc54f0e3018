"""When to try an outbound call again: exponential backoff with full jitter, never earlier
than the other side's Retry-After. Shared by replies, alerts and (later) CRM sync."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)


def next_attempt(
    attempts: int,
    now: datetime,
    retry_at: datetime | None = None,
    jitter: Callable[[], float] = random.random,
) -> datetime:
    """Full-jitter exponential backoff after `attempts` failures, and not before `retry_at`."""
    ceiling = min(MAX_DELAY, BASE_DELAY * (2 ** max(0, attempts - 1)))
    backoff = now + ceiling * jitter()
    return max(backoff, retry_at) if retry_at else backoff


def said_retry_at(error: BaseException, now: datetime) -> datetime | None:
    """The moment a TransientError carries (Unix time), as an aware datetime."""
    said = getattr(error, "retry_at", None)
    return datetime.fromtimestamp(said, now.tzinfo) if said else None
