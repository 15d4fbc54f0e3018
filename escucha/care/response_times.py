"""How long customers waited, cycle by cycle: first response, next responses, resolution.

Pure calculation over a case's history. A wait starts at the oldest customer message nobody
has answered yet (a pleasantry such as "gracias" starts none) and ends at the next reply a
person sent, public or private; bots and auto-replies end no wait, so they never flatter the
figures. A reopened case starts a new cycle, and its first response counts from the message
that reopened it, not from the day the case was first opened. Each wait is measured in
wall-clock time and in the tenant's business time (open hours minus holidays and the time
the case spent waiting on the customer).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel

from escucha.care.lifecycle import Cycle
from escucha.care.sla import Author, Entry, Pause, used
from escucha.core.sla_policy import Clock
from escucha.core.tenant import Tenant


class Span(BaseModel, frozen=True):
    """One measured stretch: a wait, or a cycle until its resolution."""

    started_at: datetime
    ended_at: datetime
    wall_s: float
    business_s: float


class CycleTimes(BaseModel, frozen=True):
    cycle: int
    started_at: datetime
    needed_answer: bool  # a customer wrote something other than a pleasantry
    waits: tuple[Span, ...]  # every answered wait, in order: the first is the first response
    waiting_since: datetime | None  # a wait nobody has ended yet
    resolution: Span | None
    automated_replies: int  # left out of every figure above

    @property
    def first_response(self) -> Span | None:
        return self.waits[0] if self.waits else None

    @property
    def next_responses(self) -> tuple[Span, ...]:
        return self.waits[1:]


def in_cycle(entries: Sequence[Entry], cycle: Cycle) -> list[Entry]:
    """The messages that belong to one cycle: from its start until the next one began."""
    return [
        e
        for e in entries
        if e.at >= cycle.started_at and (cycle.ended_at is None or e.at < cycle.ended_at)
    ]


def cycle_times(tenant: Tenant, entries: Sequence[Entry], cycle: Cycle) -> CycleTimes:
    """The waits and the resolution of one cycle of a case."""
    own = sorted(in_cycle(entries, cycle), key=lambda e: e.at)
    pairs, waiting = answered_waits(own)
    resolution = None
    if cycle.resolved_at is not None:
        resolution = span(tenant, cycle.started_at, cycle.resolved_at, cycle.pauses)
    return CycleTimes(
        cycle=cycle.number,
        started_at=cycle.started_at,
        needed_answer=any(e.author is Author.customer and not e.pleasantry for e in own),
        waits=tuple(span(tenant, start, end, cycle.pauses) for start, end in pairs),
        waiting_since=waiting,
        resolution=resolution,
        automated_replies=sum(e.author is Author.automation for e in own),
    )


def answered_waits(
    entries: Sequence[Entry],
) -> tuple[list[tuple[datetime, datetime]], datetime | None]:
    """Each (oldest unanswered customer message, the person's reply that answered it), and
    the start of the wait still open, if one is."""
    pairs = []
    waiting: datetime | None = None
    for entry in entries:
        if entry.author is Author.customer:
            if waiting is None and not entry.pleasantry:
                waiting = entry.at
        elif entry.author is Author.agent and waiting is not None:
            pairs.append((waiting, entry.at))
            waiting = None
    return pairs, waiting


def span(tenant: Tenant, start: datetime, end: datetime, pauses: Sequence[Pause]) -> Span:
    return Span(
        started_at=start,
        ended_at=end,
        wall_s=(end - start).total_seconds(),
        business_s=used(tenant, Clock.business, start, end, pauses).total_seconds(),
    )
