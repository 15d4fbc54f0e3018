"""Quiet backgrounds for the crisis evaluation: synthetic days, and real days thinned.

Both are laid on one fixed calendar in Madrid, from Monday 6 January 2025, long enough for
the 36 days of history and the days under test (the 30 March change of clocks included).

Synthetic: each local day's level is its weekday's share of the rate times a gamma draw of
shape k = 10, so daily totals are negative binomial with k = 10; within the day, 15-minute
counts are Poisson under a diurnal profile; 30% of mentions are negative.

Real: `es_airline_tweets.csv` (Iberia, Ryanair, Vueling; October 2017 to January 2018) has
41 whole local days among collection gaps, fewer than the 96 days needed. So its whole
days are tiled by weekday: each calendar day takes the next real day of the same weekday,
looping, from a random starting point per weekday; each real day comes back two or three
times, its level and hours kept, its mentions thinned afresh (each kept with probability
rate / the real mean rate) and their own sentiment kept. The real days are not all quiet: from
12 to 19 December 2017 a strike was in the news ("huelga" in 11-27% of the day's mentions, in
none of November's; the weekdays among them have 1.5 to 2.3 times November's mentions), so a
quiet background leaves those days out (`NEWS_DAYS`), and a real one with the news keeps them
to show what the detector makes of a real event.
`twcs_sample.csv` has 93 rows: too few to be a background. The files are read where they lie.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from escucha.insight.series import BIN, PER_DAY, Series, local_clock

ZONE = ZoneInfo("Europe/Madrid")
START = datetime(2025, 1, 5, 23, tzinfo=UTC)  # midnight of Monday 6 January 2025 in Madrid
DISPERSION = 10.0
NEGATIVE_SHARE = 0.3  # where the data has no sentiment
# A Madrid business's day: quiet nights, a long working day, a peak in the evening.
_HOURS = [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 0.7, 1.0, 1.2, 1.3, 1.4,
          1.4, 1.4, 1.3, 1.3, 1.4, 1.5, 1.5, 1.5, 1.4, 1.2, 0.9, 0.6]  # fmt: skip
DIURNAL = np.array(_HOURS) / np.mean(_HOURS)
WEEKDAY = np.array([1.1, 1.1, 1.05, 1.05, 1.0, 0.85, 0.85])  # Monday first; mean 1
ES_AIRLINES = "es_airline_tweets.csv"
US_AIRLINES = "us_airline_tweets.csv"
# The strike week of es_airline_tweets.csv: real news, not a quiet background.
NEWS_DAYS = frozenset(date(2017, 12, 12) + timedelta(days=n) for n in range(8))
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"


def data_dir() -> Path:
    """Where the shared labelled data lies: ../shared/data, or ESCUCHA_SHARED_DATA."""
    return Path(os.environ.get("ESCUCHA_SHARED_DATA", DEFAULT_DATA_DIR))


@dataclass(frozen=True)
class Counts:
    """A background's dense 15-minute counts from START, and which real day each day came from."""

    counts: NDArray[np.int64]
    negatives: NDArray[np.int64]
    sources: tuple[date | None, ...] = ()

    def series(self, start: datetime = START, zone: ZoneInfo = ZONE) -> dict[str, Series]:
        """The topics 'all' and 'negative', as the rollups would count them."""
        weekday, hour = local_clock(start, len(self.counts), zone)
        size = len(self.counts)
        unheard = np.arange(size) < int(np.argmax(self.counts > 0))  # as live: see series.unheard
        return {
            "all": Series("all", start, self.counts.copy(), self.negatives.copy(), weekday, hour,
                          unheard.copy()),
            "negative": Series("negative", start, self.negatives.copy(), self.negatives.copy(),
                               weekday, hour, unheard.copy()),
        }  # fmt: skip


def day_start(day: int, start: datetime = START, zone: ZoneInfo = ZONE) -> datetime:
    """Local midnight of calendar day `day` (0 is the first), in UTC."""
    first = start.astimezone(zone).date()
    return datetime.combine(first + timedelta(days=day), time(), zone).astimezone(UTC)


def bin_of(moment: datetime, start: datetime = START) -> int:
    return int((moment - start) / BIN)


def local_days(hour: NDArray[np.int64]) -> NDArray[np.int64]:
    """Each bin's local day number: a new day wherever the local hour goes back."""
    return np.concatenate([[0], np.cumsum(np.diff(hour) < 0)]).astype(np.int64)


def synthetic(rate: float, days: int, rng: np.random.Generator) -> Counts:
    """Negative-binomial days (k = 10) with Madrid's week and day: see the module's docstring."""
    weekday, hour = local_clock(START, days * PER_DAY, ZONE)
    day = local_days(hour)
    first = weekday[np.searchsorted(day, np.arange(day[-1] + 1))]
    level = rate * WEEKDAY[first] * rng.gamma(DISPERSION, 1 / DISPERSION, size=len(first))
    mean = level[day] * DIURNAL[hour] / PER_DAY
    counts = rng.poisson(mean).astype(np.int64)
    return Counts(counts, rng.binomial(counts, NEGATIVE_SHARE).astype(np.int64))


def inject(background: Counts, day: int, extra: int, profile: NDArray[np.float64],
           rng: np.random.Generator) -> Counts:  # fmt: skip
    """`extra` negative mentions over local day `day`, spread like the hourly `profile`."""
    lo, hi = bin_of(day_start(day)), bin_of(day_start(day + 1))
    _, hour = local_clock(START + lo * BIN, hi - lo, ZONE)
    weights = profile[hour] / profile[hour].sum()
    added = rng.multinomial(extra, weights).astype(np.int64)
    counts, negatives = background.counts.copy(), background.negatives.copy()
    counts[lo:hi] += added
    negatives[lo:hi] += added
    return Counts(counts, negatives, background.sources)


@dataclass(frozen=True)
class RealDays:
    """Whole local days of a real stream: each day's mentions as seconds after local midnight."""

    source: str
    dates: tuple[date, ...]
    seconds: tuple[NDArray[np.float64], ...]
    negative: tuple[NDArray[np.bool_], ...]

    @property
    def per_day(self) -> float:
        return float(np.mean([len(s) for s in self.seconds]))

    def without(self, dates: frozenset[date]) -> RealDays:
        """The same stream with the days in `dates` left out."""
        kept = [i for i, d in enumerate(self.dates) if d not in dates]
        return RealDays(self.source, tuple(self.dates[i] for i in kept),
                        tuple(self.seconds[i] for i in kept),
                        tuple(self.negative[i] for i in kept))  # fmt: skip

    def profile(self) -> NDArray[np.float64]:
        """Its mentions' share per local hour, mean 1, as DIURNAL is."""
        hours = np.bincount((np.concatenate(self.seconds) // 3600).astype(int) % 24, minlength=24)
        return hours / hours.mean()


def whole_days(moments: Sequence[tuple[datetime, bool]], zone: ZoneInfo, source: str) -> RealDays:
    """Local days the collection covered whole: mentions before 02:00 and after 22:00, and no
    silence over six hours (a day cut by a collection gap would read as a quiet day)."""
    by_day: dict[date, list[tuple[float, bool]]] = {}
    for moment, negative in sorted(moments):
        local = moment.astimezone(zone)
        midnight = datetime.combine(local.date(), time(), zone)
        by_day.setdefault(local.date(), []).append(((local - midnight).total_seconds(), negative))
    kept = []
    for day, rows in sorted(by_day.items()):
        seconds = np.array([s for s, _ in rows])
        if seconds[0] < 2 * 3600 and seconds[-1] > 22 * 3600 and np.diff(seconds).max() < 6 * 3600:
            kept.append((day, seconds, np.array([n for _, n in rows], dtype=bool)))
    if not kept:
        raise ValueError(f"{source}: no whole day of mentions")
    dates, seconds, negative = zip(*kept, strict=True)
    return RealDays(source, tuple(dates), tuple(seconds), tuple(negative))


def read_es_airlines(folder: Path | None = None) -> RealDays:
    """The whole Madrid days of es_airline_tweets.csv, with each tweet's sentiment."""
    path = (folder or data_dir()) / ES_AIRLINES
    moments = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            at = datetime.strptime(row["tweet_created"], "%a %b %d %H:%M:%S %z %Y")
            moments.append((at.astimezone(UTC), row["airline_sentiment"] == "negative"))
    return whole_days(moments, ZONE, ES_AIRLINES)


def read_us_airlines(folder: Path | None = None) -> dict[str, list[tuple[datetime, bool]]]:
    """us_airline_tweets.csv per airline: each tweet's moment (UTC) and whether negative."""
    path = (folder or data_dir()) / US_AIRLINES
    found: dict[str, list[tuple[datetime, bool]]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            at = datetime.strptime(row["tweet_created"], "%Y-%m-%d %H:%M:%S %z").astimezone(UTC)
            found.setdefault(row["airline"], []).append(
                (at, row["airline_sentiment"] == "negative")
            )
    return found


def real(days_data: RealDays, rate: float, days: int, rng: np.random.Generator) -> Counts:
    """Real whole days tiled by weekday onto the calendar and thinned to `rate` a day."""
    keep = rate / days_data.per_day
    if keep > 1:
        raise ValueError(f"{days_data.source} has {days_data.per_day:.0f} a day, not {rate}")
    pools = [[i for i, d in enumerate(days_data.dates) if d.weekday() == w] for w in range(7)]
    if not all(pools):
        raise ValueError(f"{days_data.source}: some weekday has no whole day")
    turn = [int(rng.integers(len(pool))) for pool in pools]  # where each weekday's loop starts
    size = bin_of(day_start(days))
    counts, negatives = np.zeros(size, np.int64), np.zeros(size, np.int64)
    sources: list[date | None] = []
    for day in range(days):
        midnight = day_start(day)
        weekday = midnight.astimezone(ZONE).weekday()
        pick = pools[weekday][turn[weekday] % len(pools[weekday])]
        turn[weekday] += 1
        sources.append(days_data.dates[pick])
        kept = rng.random(len(days_data.seconds[pick])) < keep
        at = bin_of(midnight) + (days_data.seconds[pick][kept] // BIN.total_seconds()).astype(int)
        inside = at < size  # a 23-hour day's last mentions would spill past the end
        np.add.at(counts, at[inside], 1)
        np.add.at(negatives, at[inside], days_data.negative[pick][kept][inside].astype(np.int64))
    return Counts(counts, negatives, tuple(sources))
