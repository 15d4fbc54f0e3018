"""A topic's counts in 15-minute bins, dense and oldest first, with each bin's local time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

BIN = timedelta(minutes=15)
PER_HOUR = 4
PER_DAY = 96
HISTORY = timedelta(days=36)  # the widest window (a week) plus its 28-day baseline, and a day


def floor_bin(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def floor_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Series:
    """Bins from `start` (an hour boundary, UTC): counts, negatives, and the bins baselines
    leave out (past incidents, and the time before the tenant was heard at all).

    `weekday` and `hour` are each bin's local weekday and hour in the tenant's zone, so that a
    baseline follows the business's week, daylight saving time included."""

    topic: str
    start: datetime
    counts: NDArray[np.int64]
    negatives: NDArray[np.int64]
    weekday: NDArray[np.int64]
    hour: NDArray[np.int64]
    excluded: NDArray[np.bool_] = field(repr=False)

    def __len__(self) -> int:
        return len(self.counts)

    def moment(self, index: int) -> datetime:
        """The start of bin `index`."""
        return self.start + index * BIN

    def index(self, moment: datetime) -> int:
        return int((moment - self.start) / BIN)


def local_clock(
    start: datetime, bins: int, zone: ZoneInfo
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Each bin's local weekday (Monday 0) and hour, computed once per hour of the range."""
    hours = -(-bins // PER_HOUR)
    weekday = np.empty(hours, dtype=np.int64)
    hour = np.empty(hours, dtype=np.int64)
    for i in range(hours):
        local = (start + timedelta(hours=i)).astimezone(zone)
        weekday[i], hour[i] = local.weekday(), local.hour
    return np.repeat(weekday, PER_HOUR)[:bins], np.repeat(hour, PER_HOUR)[:bins]


def unheard(start: datetime, began: datetime | None) -> list[tuple[datetime, datetime]]:
    """The span before the tenant's first counted mention, to leave out of baselines: unknown,
    not quiet. A tenant that has just started has no past to call normal, so its first busy
    day is not a surge over 28 empty days."""
    return [(start, began)] if began is not None and began > start else []


def build(
    topic: str,
    start: datetime,
    end: datetime,
    bins: Iterable[tuple[datetime, int, int]],
    zone: ZoneInfo,
    excluded: Iterable[tuple[datetime, datetime]] = (),
) -> Series:
    """A dense series over [start, end) from sparse (bin start, count, negatives) rows."""
    start = floor_hour(start)
    size = max(1, -(-int((end - start).total_seconds()) // int(BIN.total_seconds())))
    counts = np.zeros(size, dtype=np.int64)
    negatives = np.zeros(size, dtype=np.int64)
    for moment, count, negative in bins:
        at = int((moment.astimezone(UTC) - start) / BIN)
        if 0 <= at < size:
            counts[at] += count
            negatives[at] += negative
    mask = np.zeros(size, dtype=bool)
    for since, until in excluded:
        lo = max(0, int((since - start) / BIN))
        hi = min(size, -(-int((until - start).total_seconds()) // int(BIN.total_seconds())))
        if lo < hi:
            mask[lo:hi] = True
    weekday, hour = local_clock(start, size, zone)
    return Series(topic, start, counts, negatives, weekday, hour, mask)
