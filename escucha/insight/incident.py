"""An incident's life as pure calculation: open, escalating, subsiding, closed.

Signals become incidents, not messages. A tenant has at most one incident open: every signal
while it lives joins it (a second burst within the cooldown updates it), and people hear
again only when something changed that they would act on: the excess at least doubled, or a
new kind of trigger or topic joined, or it subsided, or it closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from escucha.insight.detector import Signal


class Status(StrEnum):
    open = "open"
    escalating = "escalating"
    subsiding = "subsiding"
    closed = "closed"


class Change(StrEnum):
    opened = "opened"
    updated = "updated"
    closed = "closed"


@dataclass(frozen=True)
class Incident:
    status: Status
    opened_at: datetime
    last_signal_at: datetime
    topic: str  # the first signal's: what it is about
    trigger: str
    observed: int
    expected: float
    notified_excess: float  # the excess people last heard about
    topics: tuple[str, ...]
    triggers: tuple[str, ...]
    first_window_start: datetime
    closed_at: datetime | None = None


def strongest(signals: Sequence[Signal]) -> Signal:
    """The signal to lead with: the rarest, then the most immediate (the shortest window).

    A content trigger has no p and leads: one "estafa" is news at any volume."""
    return min(signals, key=lambda s: (s.p or 0.0, s.window_end - s.window_start, -s.excess))


def advance(
    incident: Incident | None,
    signals: Sequence[Signal],
    now: datetime,
    cooldown: timedelta,
    subsiding_after: timedelta,
) -> tuple[Incident | None, Change | None]:
    """The incident after one check at `now` with these signals, and what people should hear."""
    if incident is None or incident.status is Status.closed:
        if not signals:
            return incident, None
        lead = strongest(signals)
        opened = Incident(
            Status.open, now, now, lead.topic, lead.trigger, lead.observed, lead.expected,
            lead.excess, _names(signals, "topic"), _names(signals, "trigger"), lead.window_start,
        )  # fmt: skip
        return opened, Change.opened
    if signals:
        return _joined(incident, signals, now)
    quiet = now - incident.last_signal_at
    if quiet >= cooldown:
        return replace(incident, status=Status.closed, closed_at=now), Change.closed
    if quiet >= subsiding_after and incident.status is not Status.subsiding:
        return replace(incident, status=Status.subsiding), Change.updated
    return incident, None


def _joined(incident: Incident, signals: Sequence[Signal], now: datetime
            ) -> tuple[Incident, Change | None]:  # fmt: skip
    lead = max(signals, key=lambda s: s.excess)
    topics = tuple(dict.fromkeys((*incident.topics, *_names(signals, "topic"))))
    triggers = tuple(dict.fromkeys((*incident.triggers, *_names(signals, "trigger"))))
    grown = lead.excess >= 2 * max(incident.notified_excess, 1.0)
    news = grown or topics != incident.topics or triggers != incident.triggers
    renewed = incident.status is Status.subsiding  # a second burst
    bigger = lead.excess > incident.observed - incident.expected
    updated = replace(
        incident,
        last_signal_at=now,
        topics=topics,
        triggers=triggers,
        observed=lead.observed if bigger else incident.observed,
        expected=lead.expected if bigger else incident.expected,
    )
    if not (news or renewed):
        return updated, None
    status = Status.escalating if grown or renewed else incident.status
    return replace(
        updated, status=status, notified_excess=max(lead.excess, incident.notified_excess)
    ), Change.updated


def _names(signals: Sequence[Signal], field: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(getattr(s, field) for s in signals))
