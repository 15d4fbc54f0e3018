"""How one attempt at an outbound call ended when it did not succeed: shared by every outbox
(replies, alerts, and later CRM sync), each with its own kind of success."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Retry:
    """Failed for now: try again at `at` (backoff, never before the other side's Retry-After)."""

    at: datetime
    reason: str


@dataclass(frozen=True)
class Dead:
    """Failed for good: the delivery is dead-lettered with the reason."""

    reason: str
