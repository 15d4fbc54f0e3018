"""Periods people name at the edges ("2026-11", "2026-W48", "2026-11-03"), as UTC instants.

A business reads its month in its own zone: November in Madrid starts at 23:00 UTC on
31 October. Inside, a period is a half-open [since, until) of aware UTC datetimes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class PeriodError(ValueError):
    """A period or a moment that cannot be read, with what was expected."""


@dataclass(frozen=True)
class Period:
    label: str
    since: datetime
    until: datetime


def period(text: str, zone: ZoneInfo) -> Period:
    """A month ("2026-11"), an ISO week ("2026-W48") or a day ("2026-11-03") in `zone`."""
    if found := MONTH.match(text):
        year, month = int(found[1]), int(found[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"{text!r}: the month must be 01 to 12")
        try:
            first = date(year, month, 1)
            following = date(year + month // 12, month % 12 + 1, 1)
            return Period(text, _midnight(first, zone), _midnight(following, zone))
        except (ValueError, OverflowError):
            raise PeriodError(f"{text!r}: the year is out of range") from None
    if found := WEEK.match(text):
        try:
            monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
            return Period(text, _midnight(monday, zone), _midnight(monday + timedelta(7), zone))
        except (ValueError, OverflowError) as error:
            raise PeriodError(f"{text!r}: {error}") from None
    try:
        day = date.fromisoformat(text)
        return Period(text, _midnight(day, zone), _midnight(day + timedelta(1), zone))
    except (ValueError, OverflowError):
        raise PeriodError(
            f"{text!r} is not a period: give a month (2026-11), a week (2026-W48) or a day"
        ) from None


def moment(text: str, zone: ZoneInfo) -> datetime:
    """An ISO date (local midnight) or datetime (local when it names no offset), in UTC."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(f"{text!r} is not an ISO date or date-time (2026-11-24T10:30)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)
