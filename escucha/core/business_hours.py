"""Opening hours as people write them: zero or more intervals per weekday, in local time.

"mon-fri 09:00-14:00,16:30-19:30; sat 10:00-13:00" is a split shift on weekdays and a Saturday
morning; "24/7" is always open. An interval may end at 24:00, so 24/7 has no gap at midnight.
Times are minutes since local midnight; turning UTC into local time is `business_time`'s job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

from pydantic import BaseModel, model_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
ALWAYS = "24/7"
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class HoursError(ValueError):
    """Hours that cannot be read: the piece, and why."""

    def __init__(self, piece: str, why: str) -> None:
        super().__init__(f"hours {piece!r}: {why}")
        self.piece = piece
        self.why = why


class Interval(BaseModel, frozen=True):
    start: int  # minutes since local midnight, 0-1439
    end: int  # 1-1440; 1440 is midnight at the end of the day

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if not 0 <= self.start < self.end <= DAY_MINUTES:
            raise ValueError(f"{_clock(self.start)}-{_clock(self.end)} does not run forwards")
        return self

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


class WeeklyHours(BaseModel, frozen=True):
    """Intervals per weekday (0 is Monday), sorted and never overlapping."""

    days: tuple[tuple[Interval, ...], ...] = tuple(() for _ in DAYS)

    @model_validator(mode="after")
    def _well_formed(self) -> WeeklyHours:
        if len(self.days) != len(DAYS):
            raise ValueError(f"hours need {len(DAYS)} days, got {len(self.days)}")
        for name, intervals in zip(DAYS, self.days, strict=True):
            if clash := _overlap(intervals):
                raise ValueError(f"{name}: {clash[0]} overlaps {clash[1]}")
        return self

    @classmethod
    def always(cls) -> WeeklyHours:
        return cls(days=tuple((Interval(start=0, end=DAY_MINUTES),) for _ in DAYS))

    @classmethod
    def parse(cls, text: str) -> WeeklyHours:
        """From "mon-fri 09:00-14:00,16:30-19:30; sat 10:00-13:00", "24/7" or "" (closed)."""
        if text.strip().lower() == ALWAYS:
            return cls.always()
        days: list[list[Interval]] = [[] for _ in DAYS]
        for clause in filter(None, (c.strip() for c in text.split(";"))):
            spec, _, times = clause.partition(" ")
            if not times.strip():
                raise HoursError(clause, "expected days then times, e.g. 'mon-fri 09:00-17:00'")
            intervals = [_interval(piece.strip()) for piece in times.split(",")]
            for day in _days(spec.lower()):
                days[day].extend(intervals)
        for name, intervals in zip(DAYS, days, strict=True):
            intervals.sort(key=lambda i: i.start)
            if clash := _overlap(intervals):
                raise HoursError(text, f"on {name}, {clash[0]} overlaps {clash[1]}")
        return cls(days=tuple(tuple(d) for d in days))

    def __str__(self) -> str:
        if self == self.always():
            return ALWAYS
        clauses, day = [], 0
        while day < len(DAYS):
            last = day  # runs of consecutive days with the same intervals read as "mon-fri"
            while last + 1 < len(DAYS) and self.days[last + 1] == self.days[day]:
                last += 1
            if self.days[day]:
                span = DAYS[day] if last == day else f"{DAYS[day]}-{DAYS[last]}"
                clauses.append(f"{span} {','.join(str(i) for i in self.days[day])}")
            day = last + 1
        return "; ".join(clauses)

    def open_at(self, local: datetime) -> bool:
        """Open at this local wall-clock time (its tzinfo is not consulted)."""
        minute = local.hour * 60 + local.minute
        return any(i.start <= minute < i.end for i in self.days[local.weekday()])

    @property
    def weekly_minutes(self) -> int:
        return sum(i.end - i.start for day in self.days for i in day)


def _overlap(intervals: Sequence[Interval]) -> tuple[Interval, Interval] | None:
    """The first two intervals, in start order, that overlap."""
    return next(((a, b) for a, b in pairwise(intervals) if b.start < a.end), None)


def _days(spec: str) -> list[int]:
    """'mon-fri' → 0..4, 'sat' → 5, 'fri-mon' → 4, 5, 6, 0; 'mon,wed' too."""
    found: list[int] = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise HoursError(part, f"days are {', '.join(DAYS)}, or a range such as mon-fri")
        start, stop = DAYS.index(first), DAYS.index(last or first)
        found += [(start + n) % len(DAYS) for n in range((stop - start) % len(DAYS) + 1)]
    return found


def _interval(piece: str) -> Interval:
    start, _, end = piece.partition("-")
    begin, finish = _minutes(start, piece), _minutes(end, piece)
    if finish <= begin:
        raise HoursError(piece, "an interval ends after it starts (24:00 ends at midnight)")
    return Interval(start=begin, end=finish)


def _minutes(clock: str, piece: str) -> int:
    match = _TIME.match(clock.strip())
    if not match:
        raise HoursError(piece, "times are HH:MM, e.g. 09:00-14:00")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise HoursError(piece, f"{clock} is not a time of day")
    return hours * 60 + minutes


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
