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


def after_transient(
    error: BaseException,
    attempts: int,
    now: datetime,
    max_attempts: int,
    jitter: Callable[[], float] = random.random,
) -> tuple[datetime | None, str]:
    """After a transient failure of attempt `attempts + 1`: when to try again (None: give up)
    and the reason to record."""
    reason = f"{type(error).__name__}: {error}"
    if attempts + 1 >= max_attempts:
        return None, f"gave up after {attempts + 1} attempts: {reason}"
    return next_attempt(attempts + 1, now, said_retry_at(error, now), jitter), reason
