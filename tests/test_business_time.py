"""Business time between instants and deadlines in it: split shifts, holidays, DST."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escucha.core.business_hours import WeeklyHours
from escucha.core.business_time import add_business_time, business_seconds, open_periods
from escucha.core.tenant import Tenant

MADRID = ZoneInfo("Europe/Madrid")
SOL = Tenant(id="sol", timezone="Europe/Madrid", holidays="ES-MD", closed_dates=["2026-12-24"],
             hours="mon-fri 09:00-14:00,16:30-19:30; sat 10:00-13:00")  # fmt: skip


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MADRID)


def test_a_deadline_skips_the_gap_between_shifts_and_the_night():
    assert add_business_time(SOL, at(2026, 11, 30, 13), timedelta(hours=2)) == at(
        2026, 11, 30, 17, 30
    )
    assert add_business_time(SOL, at(2026, 12, 4, 19), timedelta(hours=1)) == at(
        2026, 12, 5, 10, 30
    )
    # Saturday 12:00 + 2 h: one hour on Saturday, none on Sunday, Monday from 09:00.
    assert add_business_time(SOL, at(2026, 11, 28, 12), timedelta(hours=2)) == at(2026, 11, 30, 10)


def test_holidays_of_the_calendar_and_the_business_own_days_are_closed():
    # In Madrid, 2026-12-07 is Constitution Day moved from Sunday and 12-08 the Immaculate
    # Conception: the same Saturday hour then lands on Wednesday. 12-24 is the business's own.
    deadline = add_business_time(SOL, at(2026, 12, 5, 12), timedelta(hours=2))
    assert deadline == at(2026, 12, 9, 10)
    assert business_seconds(SOL, at(2026, 12, 24), at(2026, 12, 25)) == 0
    assert business_seconds(SOL, at(2026, 12, 23), at(2026, 12, 24)) == 8 * 3600


def test_a_day_lasts_what_the_wall_clock_says_across_daylight_saving():
    always = Tenant(id="always", timezone="Europe/Madrid")
    assert business_seconds(always, at(2026, 3, 29), at(2026, 3, 30)) == 23 * 3600
    assert business_seconds(always, at(2026, 10, 25), at(2026, 10, 26)) == 25 * 3600
    night = Tenant(id="night", timezone="Europe/Madrid", hours="sun 01:00-04:00")
    assert business_seconds(night, at(2026, 3, 29), at(2026, 3, 30)) == 2 * 3600  # 02-03 never was
    assert business_seconds(night, at(2026, 10, 25), at(2026, 10, 26)) == 4 * 3600  # 02-03 twice


def test_always_open_in_utc_is_wall_clock_time():
    always = Tenant(id="always")
    start = datetime(2026, 1, 1, 12, 34, tzinfo=UTC)
    assert add_business_time(always, start, timedelta(days=3, minutes=5)) == start + timedelta(
        days=3, minutes=5
    )
    periods = list(open_periods(always, start, start + timedelta(hours=1)))
    assert periods == [(start, start + timedelta(hours=1))]


def test_zero_time_is_the_start_and_a_never_open_tenant_is_refused():
    closed_now = at(2026, 12, 6, 12)  # a Sunday
    assert add_business_time(SOL, closed_now, timedelta(0)) == closed_now
    never = Tenant(id="never", hours=WeeklyHours.parse(""))
    with pytest.raises(ValueError, match="no open hours"):
        add_business_time(never, closed_now, timedelta(minutes=1))


instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                        timezones=st.just(UTC))  # fmt: skip


@given(start=instants, minutes=st.integers(0, 60 * 24 * 20))
def test_the_deadline_is_exactly_that_much_open_time_later(start, minutes):
    deadline = add_business_time(SOL, start, timedelta(minutes=minutes))
    assert deadline >= start
    assert business_seconds(SOL, start, deadline) == pytest.approx(minutes * 60)


@given(a=instants, b=instants, c=instants)
def test_open_time_adds_up_over_consecutive_spans(a, b, c):
    a, b, c = sorted((a, b, c))
    assert business_seconds(SOL, a, c) == pytest.approx(
        business_seconds(SOL, a, b) + business_seconds(SOL, b, c)
    )


def test_the_issues_example_a_half_hour_target_straddling_lunch():
    shop = Tenant(id="shop", timezone="Europe/Madrid", hours="mon-fri 08:00-12:00,13:30-18:00")
    assert add_business_time(shop, at(2026, 11, 30, 12, 30), timedelta(minutes=30)) == at(
        2026, 11, 30, 14
    )


durations = st.integers(0, 60 * 24 * 10).map(lambda m: timedelta(minutes=m))


@given(start=instants, a=durations, b=durations)
def test_due_times_compose(start, a, b):
    assert add_business_time(SOL, start, a + b) == add_business_time(
        SOL, add_business_time(SOL, start, a), b
    )


@given(start=instants, d=durations.filter(lambda d: d > timedelta(0)))
def test_no_due_time_falls_outside_open_hours(start, d):
    due = add_business_time(SOL, start, d)
    around = open_periods(SOL, due - timedelta(days=1), due + timedelta(days=1))
    assert any(opened <= due <= closed for opened, closed in around)  # at the close at latest
