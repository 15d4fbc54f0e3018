"""Business time: whether a business is open at an instant, how long it was open between two,
and when a given amount of open time will have passed. Its hours, in its zone, minus holidays.

Pure functions of the tenant and aware instants (UTC inside escucha; the zone is applied here,
at the edge), so SLA clocks are calculated, never ticked, and tests choose the instants.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta

from escucha.core import holiday_calendar
from escucha.core.tenant import Tenant


def local(tenant: Tenant, at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("business time needs an aware datetime")
    return at.astimezone(tenant.zone)


def is_open(tenant: Tenant, at: datetime) -> bool:
    """Open at this instant: within its hours, on a day that is not a holiday, in its zone."""
    moment = local(tenant, at)
    if holiday_calendar.is_holiday(tenant.holidays, tenant.closed_dates, moment.date()):
        return False
    return tenant.hours.open_at(moment)


MAX_SEARCH = timedelta(days=3 * 366)  # a clock that finds no open minute in 3 years never will
Periods = Iterable[tuple[datetime, datetime]]
Day = tuple[tuple[datetime, datetime], ...]  # a local day's open stretches, in UTC
_remembered: ContextVar[tuple[Tenant, dict[date, Day]] | None] = ContextVar(
    "business_days", default=None
)


def open_periods(
    tenant: Tenant, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The open stretches between two instants, in order, as UTC instants.

    Each interval of the hours is placed on its local day and converted through the zone, so a
    shift that spans a daylight-saving change lasts what the wall clock says (an hour longer or
    shorter), and a local time that does not exist adds nothing.
    """
    if end <= start:
        return
    day, last = local(tenant, start).date() - timedelta(days=1), local(tenant, end).date()
    while day <= last:
        for opened, closed in _day_periods(tenant, day):
            if closed > start and opened < end:
                yield max(opened, start), min(closed, end)
        day += timedelta(days=1)


def business_seconds(tenant: Tenant, start: datetime, end: datetime) -> float:
    """How long the business was open between two instants (0 when `end` is not later)."""
    return sum((b - a).total_seconds() for a, b in open_periods(tenant, start, end))


def add_business_time(tenant: Tenant, start: datetime, duration: timedelta) -> datetime:
    """The instant at which `duration` of open time has passed since `start`.

    A zero duration is `start` itself, even when the business is closed then. Raises
    ValueError for a tenant that is never open.
    """
    if duration <= timedelta(0):
        return start
    due = after(open_periods(tenant, start, start + MAX_SEARCH), duration)
    if due is None:
        raise ValueError(f"tenant {tenant.id!r} has no open hours within {MAX_SEARCH.days} days")
    return due


def after(periods: Periods, amount: timedelta) -> datetime | None:
    """The instant at which `amount` of the periods (in order) has passed; None if they run out."""
    left = amount
    for opened, closed in periods:
        if closed - opened >= left:
            return opened + left
        left -= closed - opened
    return None


@contextmanager
def days_remembered(tenant: Tenant) -> Iterator[None]:
    """Inside, each local day's open stretches of `tenant` (this very object) are worked out
    once: a period's figures run thousands of clocks over the same days. Nothing is kept
    outside, so an edit to the tenant's hours is never missed."""
    token = _remembered.set((tenant, {}))
    try:
        yield
    finally:
        _remembered.reset(token)


def _day_periods(tenant: Tenant, day: date) -> Day:
    memo = _remembered.get()
    if memo is None or memo[0] is not tenant:
        return _periods_of(tenant, day)
    found = memo[1].get(day)
    if found is None:
        found = memo[1][day] = _periods_of(tenant, day)
    return found


def _periods_of(tenant: Tenant, day: date) -> Day:
    if holiday_calendar.is_holiday(tenant.holidays, tenant.closed_dates, day):
        return ()
    midnight = datetime.combine(day, time(), tenant.zone)
    periods = []
    for interval in tenant.hours.days[day.weekday()]:
        opened = _wall(midnight, interval.start)
        closed = _wall(midnight, interval.end)
        if closed > opened:
            periods.append((opened.astimezone(UTC), closed.astimezone(UTC)))
    return tuple(periods)


def _wall(midnight: datetime, minutes: int) -> datetime:
    """The local wall-clock time `minutes` after midnight (not elapsed time: DST is skipped)."""
    clock = datetime.combine(midnight.date(), time(), None) + timedelta(minutes=minutes)
    return clock.replace(tzinfo=midnight.tzinfo)
