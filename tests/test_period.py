"""Periods named at the edges, read in the tenant's zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from escucha.core.period import PeriodError, moment, period

MADRID = ZoneInfo("Europe/Madrid")


def test_a_month_in_madrid_starts_and_ends_at_its_local_midnights():
    november = period("2026-11", MADRID)
    assert november.since == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert november.until == datetime(2026, 11, 30, 23, tzinfo=UTC)
    december = period("2026-12", MADRID)
    assert december.until == datetime(2026, 12, 31, 23, tzinfo=UTC)  # into the next year


def test_a_week_and_a_day():
    week = period("2026-W48", MADRID)
    assert week.since == datetime(2026, 11, 22, 23, tzinfo=UTC)  # Monday 23 November, local
    assert (week.until - week.since).days == 7
    summer_day = period("2026-07-01", MADRID)
    assert summer_day.since == datetime(2026, 6, 30, 22, tzinfo=UTC)


def test_a_moment_without_an_offset_is_local_and_one_with_is_kept():
    assert moment("2026-11-03T10:00", MADRID) == datetime(2026, 11, 3, 9, tzinfo=UTC)
    assert moment("2026-11-03T10:00+00:00", MADRID) == datetime(2026, 11, 3, 10, tzinfo=UTC)
    assert moment("2026-11-03", MADRID) == datetime(2026, 11, 2, 23, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-13", "2026-W54", "noviembre", ""])
def test_what_is_not_a_period_says_what_would_be(text):
    with pytest.raises(PeriodError):
        period(text, MADRID)


@pytest.mark.parametrize("text", ["9999-12", "9999-W52", "0000-01", "9999-12-31"])
def test_the_edges_of_the_calendar_are_refused_not_crashed_on(text):
    with pytest.raises(PeriodError):
        period(text, MADRID)
