"""Which tenants are due their weekly report now, and for which ISO week, in each tenant's zone.

A tenant's report for week W is due from its weekday and local hour in week W+1 until `grace`
later. A tick after that (beat was down for longer) sends nothing for W: a stale report would
land beside the next one. Pure: the caller gives the time, and the outbox key makes it once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from escucha.core.tenant import Tenant, WeeklyReport

GRACE = timedelta(hours=24)
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class DueReport:
    """One tenant's report for one ISO week, due since `due_at` (UTC)."""

    tenant: str
    week: str  # the week reported, "2026-W48"
    due_at: datetime
    to: tuple[str, ...]

    @property
    def key(self) -> str:
        """The outbox key: one e-mail per tenant and week, however often the tick runs."""
        return f"weekly-report:{self.tenant}:{self.week}"


def iso_week(day: date) -> str:
    """The ISO week `day` falls in, as periods name it ("2026-W48")."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def send_moment(schedule: WeeklyReport, zone: ZoneInfo, day: date) -> datetime:
    """When, in UTC, the report goes out in the ISO week of `day`."""
    year, week, _ = day.isocalendar()
    local = date.fromisocalendar(year, week, schedule.weekday + 1)
    # fold=0: an hour the clocks skip reads as the moment the clock passes it (02:00 on the
    # spring-forward Sunday is 03:00), an hour they repeat as its first occurrence.
    return datetime.combine(local, time(schedule.hour), zone).astimezone(UTC)


def due_week(
    schedule: WeeklyReport, zone: ZoneInfo, now: datetime, grace: timedelta = GRACE
) -> tuple[str, datetime] | None:
    """The week whose report is due at `now` and since when; None outside every window."""
    _check(now, grace)
    today = now.astimezone(zone).date()
    # This week's moment, or last week's when the grace reaches across Monday's midnight.
    for day in (today, today - WEEK):
        moment = send_moment(schedule, zone, day)
        if moment <= now < moment + grace:
            return iso_week(day - WEEK), moment
    return None


def due_reports(
    tenants: Iterable[Tenant], now: datetime, grace: timedelta = GRACE
) -> list[DueReport]:
    """The reports due at `now`, one per tenant that has addresses to send to."""
    found = []
    for tenant in tenants:
        schedule = tenant.weekly_report
        if not schedule.to:
            continue
        due = due_week(schedule, tenant.zone, now, grace)
        if due is not None:
            found.append(DueReport(tenant.id, due[0], due[1], tuple(schedule.to)))
    return found


def _check(now: datetime, grace: timedelta) -> None:
    if now.tzinfo is None:
        raise ValueError("`now` must be an aware datetime")
    # A grace of a week or more would make two weeks due at once.
    if not timedelta(0) < grace < WEEK:
        raise ValueError(f"the grace must be more than 0 and less than 7 days, not {grace}")
