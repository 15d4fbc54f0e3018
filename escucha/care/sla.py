"""SLA policies and clocks, as pure calculation: a thin job around it raises the events.

A policy is chosen by explicit order (the first whose priority, intent and channel lists
match). Each target counts business or calendar minutes from its start, skipping the intervals
the case spent waiting on the customer, so its due time and the time used are functions of
the tenant, the policy and the case's timeline, recomputed (never ticked) whenever one changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel

from escucha.core import holiday_calendar
from escucha.core.business_time import MAX_SEARCH, after, open_periods
from escucha.core.sla_policy import Clock, SlaPolicy, Target, TargetSpec
from escucha.core.tenant import Tenant

Pause = tuple[datetime, datetime | None]  # waiting on the customer: from, until (None: still)


def counting_periods(
    tenant: Tenant, clock: Clock, start: datetime, pauses: Sequence[Pause] = ()
) -> Iterator[tuple[datetime, datetime]]:
    """The stretches from `start` on during which a target's clock runs, in order."""
    horizon = start + MAX_SEARCH
    spans = open_periods(tenant, start, horizon) if clock is Clock.business else [(start, horizon)]
    for opened, closed in spans:
        yield from _minus_pauses(opened, closed, pauses)


def _minus_pauses(
    opened: datetime, closed: datetime, pauses: Sequence[Pause]
) -> Iterator[tuple[datetime, datetime]]:
    cursor = opened
    for paused, resumed in sorted(pauses, key=lambda p: p[0]):
        until = resumed or datetime.max.replace(tzinfo=UTC)
        if until <= cursor or paused >= closed:
            continue
        if paused > cursor:
            yield cursor, paused
        cursor = max(cursor, until)
        if cursor >= closed:
            return
    if cursor < closed:
        yield cursor, closed


def due_at(
    tenant: Tenant, spec: TargetSpec, start: datetime, pauses: Sequence[Pause] = ()
) -> datetime | None:
    """When the target's minutes will have run out; None while paused with no end in sight."""
    return after(
        counting_periods(tenant, spec.clock, start, pauses), timedelta(minutes=spec.minutes)
    )


def used(
    tenant: Tenant, clock: Clock, start: datetime, end: datetime, pauses: Sequence[Pause] = ()
) -> timedelta:
    """Counted time between `start` and `end`."""
    total = timedelta(0)
    for opened, closed in counting_periods(tenant, clock, start, pauses):
        if opened >= end:
            break
        total += min(closed, end) - opened
    return total


class Author(StrEnum):
    customer = "customer"
    agent = "agent"
    automation = "automation"  # a bot or an auto-reply: excluded from care metrics by default


class Entry(BaseModel, frozen=True):
    """One message of a case's cycle, as the clocks need it."""

    at: datetime
    author: Author
    public: bool = True
    pleasantry: bool = False  # "gracias", "ok", "👍": recorded, starts no clock


class Timeline(BaseModel, frozen=True):
    entries: tuple[Entry, ...]
    pauses: tuple[Pause, ...] = ()
    resolved_at: datetime | None = None


class TargetState(BaseModel, frozen=True):
    target: Target
    started_at: datetime
    due_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None  # the due time, once it passed unmet (or met late)
    used_minutes: float
    warnings: tuple[datetime, ...]  # when each warn_at fraction is reached, inside open hours


def counts(policy: SlaPolicy, entry: Entry) -> bool:
    """Whether a message answers the customer for the clocks: human and public by default."""
    if entry.author is Author.customer:
        return False
    if entry.author is Author.automation and not policy.counts_automated_replies:
        return False
    return entry.public or policy.counts_private_replies


def clocks(
    tenant: Tenant, policy: SlaPolicy, timeline: Timeline, now: datetime
) -> list[TargetState]:
    """Each of the policy's targets for one cycle of a case, as of `now`."""
    return [
        _state(tenant, policy, target, spec, started, met, timeline.pauses, now)
        for target, spec, started, met in _started(policy, timeline)
    ]


@dataclass(frozen=True)
class Outcome:
    """How a target of a cycle ended, as `clocks` has it: met, breached, both (met late) or
    neither yet."""

    target: Target
    met_at: datetime | None
    breached_at: datetime | None


def outcomes(tenant: Tenant, policy: SlaPolicy, timeline: Timeline, now: datetime
             ) -> list[Outcome]:  # fmt: skip
    """`clocks`' met and breach moments alone: the figures of a period need no time used nor
    warnings, which walk every business day of a long-breached clock up to `now`."""
    found = []
    for target, spec, started, met in _started(policy, timeline):
        due = due_at(tenant, spec, started, timeline.pauses)
        found.append(Outcome(target, met, due if _late(due, met, now) else None))
    return found


def _started(policy: SlaPolicy, timeline: Timeline
             ) -> Iterator[tuple[Target, TargetSpec, datetime, datetime | None]]:  # fmt: skip
    """Each target whose clock started in the cycle: when, and when it was met, if it was."""
    customer = [e for e in timeline.entries if e.author is Author.customer]
    if not customer:
        return
    replies = sorted(e.at for e in timeline.entries if counts(policy, e))
    first = customer[0].at
    for target, spec in policy.targets.items():
        started, met = _span(target, first, customer, replies, timeline.resolved_at)
        if started is not None:
            yield target, spec, started, met


def _late(due: datetime | None, met: datetime | None, now: datetime) -> bool:
    """Past its due time: met after it, or unmet by `now`."""
    return due is not None and (met > due if met else now >= due)


def _span(
    target: Target,
    first: datetime,
    customer: Sequence[Entry],
    replies: Sequence[datetime],
    resolved_at: datetime | None,
) -> tuple[datetime | None, datetime | None]:
    """When a target's clock started in this cycle and when it was met, if it was."""
    if target is Target.resolution:
        return first, resolved_at
    if target is Target.first_response:
        return first, next((r for r in replies if r >= first), None)
    return _next_response(customer, [r for r in replies if r >= first])


def _next_response(
    customer: Sequence[Entry], answered: Sequence[datetime]
) -> tuple[datetime | None, datetime | None]:
    """The latest next-response clock: from the oldest customer message after a reply to the
    reply that answers it. A pleasantry ("gracias") starts none."""
    if not answered:
        return None, None  # the first response is still running
    latest: tuple[datetime | None, datetime | None] = (None, None)
    replies = iter(answered[1:])
    reply = next(replies, None)
    for message in (e.at for e in customer if e.at > answered[0] and not e.pleasantry):
        if latest[0] is not None and latest[1] is None:
            continue  # already waiting: the oldest unanswered message keeps the clock
        if latest[1] is not None and message <= latest[1]:
            continue  # answered by the same reply as the previous one
        while reply is not None and reply < message:
            reply = next(replies, None)
        latest = (message, reply)
    return latest


def _state(
    tenant: Tenant,
    policy: SlaPolicy,
    target: Target,
    spec: TargetSpec,
    started: datetime,
    met: datetime | None,
    pauses: Sequence[Pause],
    now: datetime,
) -> TargetState:
    due = due_at(tenant, spec, started, pauses)
    until = met or now
    late = _late(due, met, now)
    warnings = []
    for fraction in policy.warn_at:
        amount = timedelta(minutes=spec.minutes * fraction)
        reach = after(counting_periods(tenant, spec.clock, started, pauses), amount)
        if reach is not None:
            warnings.append(next_open(tenant, reach))
    return TargetState(
        target=target,
        started_at=started,
        due_at=due,
        met_at=met,
        breached_at=due if late else None,
        used_minutes=used(tenant, spec.clock, started, until, pauses).total_seconds() / 60,
        warnings=tuple(warnings),
    )


def next_open(tenant: Tenant, at: datetime) -> datetime:
    """`at` when the business is open then, else the moment it next opens (warnings wait)."""
    for opened, _closed in open_periods(tenant, at, at + MAX_SEARCH):
        return opened
    return at


DAY_NAMES = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
PHRASES = {
    "es": {"due": "vence el {due}", "from": "{minutes} min {kind} desde el {start}",
           "business": "hábiles", "calendar": "naturales", "closed": "cerrado: {days}",
           "holiday": "festivo", "at": "{day} {date} a las {time}"},
    "en": {"due": "due {due}", "from": "{minutes} {kind} min from {start}",
           "business": "business", "calendar": "calendar", "closed": "closed: {days}",
           "holiday": "holiday", "at": "{day} {date} at {time}"},
}  # fmt: skip


def explain(
    tenant: Tenant, spec: TargetSpec, start: datetime, due: datetime, language: str = "es"
) -> str:
    """Why a target is due when it is, in the tenant's language and zone, e.g. "vence el
    lunes 30 a las 9:15: 30 min hábiles desde el viernes 27 a las 18:45; cerrado: sábado 28,
    domingo 29"."""
    words = PHRASES.get(language, PHRASES["en"])
    text = (
        words["due"].format(due=_when(tenant, due, language))
        + ": "
        + words["from"].format(
            minutes=spec.minutes, kind=words[spec.clock.value], start=_when(tenant, start, language)
        )
    )
    closed = _closed_days(tenant, start, due, language) if spec.clock is Clock.business else []
    return text + (f"; {words['closed'].format(days=', '.join(closed))}" if closed else "")


def _when(tenant: Tenant, at: datetime, language: str) -> str:
    moment = at.astimezone(tenant.zone)
    names = DAY_NAMES.get(language, DAY_NAMES["en"])
    return PHRASES.get(language, PHRASES["en"])["at"].format(
        day=names[moment.weekday()], date=moment.day, time=f"{moment.hour}:{moment.minute:02d}"
    )


def _closed_days(tenant: Tenant, start: datetime, due: datetime, language: str) -> list[str]:
    """The whole local days between the two on which the business did not open."""
    names = DAY_NAMES.get(language, DAY_NAMES["en"])
    holiday = PHRASES.get(language, PHRASES["en"])["holiday"]
    day, last = start.astimezone(tenant.zone).date(), due.astimezone(tenant.zone).date()
    closed = []
    day += timedelta(days=1)
    while day < last:
        midnight = datetime.combine(day, datetime.min.time(), tenant.zone)
        if not any(open_periods(tenant, midnight, midnight + timedelta(days=1))):
            label = f"{names[day.weekday()]} {day.day}"
            if holiday_calendar.is_holiday(tenant.holidays, tenant.closed_dates, day):
                label += f" ({holiday})"
            closed.append(label)
        day += timedelta(days=1)
    return closed
