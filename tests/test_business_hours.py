"""Opening hours, holidays and zones: pure functions, with the instants chosen by the test."""

import tomllib
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from escucha.cli.tenants import as_toml
from escucha.core.business_hours import DAYS, HoursError, Interval, WeeklyHours
from escucha.core.business_time import is_open
from escucha.core.tenant import Tenant

SPLIT = "mon-fri 09:00-14:00,16:30-19:30; sat 10:00-13:00"


def test_split_shifts_are_open_inside_and_closed_between_and_after():
    hours = WeeklyHours.parse(SPLIT)
    monday = datetime(2026, 11, 30)
    assert not hours.open_at(monday.replace(hour=8, minute=59))
    assert hours.open_at(monday.replace(hour=9))
    assert not hours.open_at(monday.replace(hour=14))  # an interval's end is not in it
    assert not hours.open_at(monday.replace(hour=16, minute=29))
    assert hours.open_at(monday.replace(hour=19, minute=29))
    saturday, sunday = datetime(2026, 12, 5, 12), datetime(2026, 12, 6, 12)
    assert hours.open_at(saturday) and not hours.open_at(sunday)
    assert str(hours) == SPLIT and hours.weekly_minutes == 5 * 480 + 180


def test_always_open_has_no_gap_at_midnight():
    hours = WeeklyHours.parse("24/7")
    monday = datetime(2026, 11, 30)
    for day in range(7):
        for hour, minute in ((0, 0), (23, 59)):
            assert hours.open_at(monday + timedelta(days=day, hours=hour, minutes=minute))
    assert hours.weekly_minutes == 7 * 24 * 60 and str(hours) == "24/7"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("mon 09:00-14:00,13:00-15:00", "on mon, 09:00-14:00 overlaps 13:00-15:00"),
        ("mon-fri 09:00-14:00; wed 13:00-15:00", "on wed"),
        ("mon 14:00-09:00", "ends after it starts"),
        ("lun 09:00-14:00", "days are mon, tue"),
        ("mon 25:00-26:00", "is not a time of day"),
        ("mon 09:60-10:00", "is not a time of day"),
        ("mon 9-17", "times are HH:MM"),
        ("mon-fri", "expected days then times"),
    ],
)
def test_unreadable_hours_are_refused_saying_which_piece_and_why(text, says):
    with pytest.raises(HoursError, match=says):
        WeeklyHours.parse(text)


intervals = st.lists(st.integers(0, 24 * 4), min_size=0, max_size=8, unique=True).map(
    lambda points: sorted(p * 15 for p in points)
)


@given(st.lists(intervals, min_size=7, max_size=7))
def test_hours_read_back_what_they_write(points):
    days = tuple(
        tuple(Interval(start=a, end=b) for a, b in zip(day[::2], day[1::2], strict=False))
        for day in points
    )
    hours = WeeklyHours(days=days)
    assert WeeklyHours.parse(str(hours)) == hours


def tenant(**fields) -> Tenant:
    return Tenant(id="acme", timezone="Europe/Madrid", hours=SPLIT, holidays="ES-MD", **fields)


def test_business_time_reads_the_tenants_zone_across_daylight_saving():
    madrid = tenant()
    # 08:30 UTC is 09:30 in Madrid in winter (open) and 10:30 in summer (open);
    # 07:30 UTC is 08:30 in winter (closed) and 09:30 in summer (open).
    assert is_open(madrid, datetime(2026, 3, 27, 7, 30, tzinfo=UTC)) is False  # Friday, winter
    assert is_open(madrid, datetime(2026, 3, 30, 7, 30, tzinfo=UTC)) is True  # Monday, summer
    assert is_open(madrid, datetime(2026, 10, 26, 7, 30, tzinfo=UTC)) is False  # winter again
    with pytest.raises(ValueError, match="aware"):
        is_open(madrid, datetime(2026, 3, 30, 9, 0))


def test_holidays_of_the_calendar_and_the_tenants_own_days_are_closed():
    madrid = tenant(closed_dates=[date(2026, 12, 24)])
    tuesday_ten = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert is_open(madrid, tuesday_ten)
    assert not is_open(madrid, datetime(2026, 12, 8, 9, 0, tzinfo=UTC))  # Immaculate Conception
    assert not is_open(madrid, datetime(2026, 12, 24, 9, 0, tzinfo=UTC))  # its own closed day
    # 2 May is Madrid's day, not Spain's: a Barcelona business is open (a Saturday morning).
    may_second = datetime(2026, 5, 2, 9, 0, tzinfo=UTC)
    assert not is_open(madrid, may_second)
    assert is_open(madrid.model_copy(update={"holidays": "ES-CT"}), may_second)


def test_a_tenant_refuses_unknown_zones_and_calendars_and_round_trips_through_toml():
    with pytest.raises(ValidationError, match="did you mean"):
        Tenant(timezone="Europe/Madri")
    with pytest.raises(ValidationError, match="ES's regions are"):
        Tenant(holidays="ES-XX")
    with pytest.raises(ValidationError, match="countries are"):
        Tenant(holidays="FR")
    original = tenant(brands=["Acme"], closed_dates=[date(2026, 12, 24)])
    again = Tenant.model_validate(tomllib.loads(as_toml(original))["tenant"])
    assert again == original and str(again.hours) == SPLIT
    assert len(DAYS) == 7
