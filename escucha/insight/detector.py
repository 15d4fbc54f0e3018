"""Whether a topic is surging now, and by how much: pure, the same live and in a backtest.

Windows end at the moment of the check. The last hour and the last day are tested against
the 28 days before the last day; below about three mentions a day the daily window gives way
to a weekly one against the 28 days before that week. Each window's tail probability must be
below `alpha` spent per day of windows (an hour's test gets alpha / 24), so checking every few
minutes does not multiply the false alarms. A CUSUM over three-hour bins catches slow builds,
and for the topic of all mentions a beta-binomial test catches a day whose negative share jumps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from escucha.core.crisis_policy import CrisisPolicy
from escucha.insight import baseline, surge
from escucha.insight.baseline import Baseline
from escucha.insight.series import PER_DAY, PER_HOUR, Series
from escucha.insight.topics import ALL, INSTANT

BASELINE_DAYS = 28
CUSUM_BIN = 12  # three hours of 15-minute bins
CUSUM_DAYS = 7
# A window tested every few minutes is many tests, so each look gets a share of alpha. The
# local day is tested once, whole, in the hour after it ends, at alpha: the best test a day's
# count allows. While it fills it is looked at again and again, so those looks get alpha / 20
# (a 5x day is still caught by the afternoon). The sliding hour is for sudden bursts, whose
# p-values are astronomically small: it must be rarer than one hour in a thousand days.
HOUR_LOOKS = 1000
EARLY_LOOKS = 20


@dataclass(frozen=True)
class Signal:
    """One reason to alarm: a window, what was seen against what was expected, how rare."""

    topic: str
    trigger: (
        str  # surge_hour surge_day surge_week negative_share slow_build severity influencer media
    )
    window_start: datetime
    window_end: datetime
    observed: int
    expected: float
    p: float | None = None
    windows_per_year: float | None = None  # how often a window like it comes round
    low_volume: bool = False

    @property
    def excess(self) -> float:
        return self.observed - self.expected

    @property
    def years_between(self) -> float | None:
        """How many years would pass, by chance alone, between two windows this extreme."""
        if self.p is None or not self.windows_per_year:
            return None
        return 1.0 / max(self.p * self.windows_per_year, 1e-12)


@dataclass(frozen=True)
class Check:
    """What a topic's check found: its signals and the baseline it measured against."""

    topic: str
    signals: tuple[Signal, ...]
    fitted: Baseline | None


Fit = Callable[[Series, int], "Baseline | None"]


def detect(
    series: Series,
    end: int,
    sensitivity: CrisisPolicy,
    partial: float = 1.0,
    fit: Fit | None = None,
) -> Check:
    """Signals for the window ending with bin `end - 1`; `partial`: how much of that bin has passed.

    `fit` (series, bin) gives the baseline on the 28 days before that bin; a replay passes one
    that remembers, since it changes only once an hour."""
    if series.topic in INSTANT:
        return Check(series.topic, _instant(series, end), None)
    _fit = fit or fit_before
    day_base = _fit(series, end - PER_DAY)
    if day_base is None:
        return Check(series.topic, (), None)
    signals: list[Signal] = []
    hour = _window(series, end, PER_HOUR, day_base, partial)
    if surge.is_surge(hour, sensitivity.alpha / HOUR_LOOKS):
        signals.append(_signal(series, end, PER_HOUR, hour, "surge_hour", 8760, day_base))
    if day_base.low_volume:
        week_base = _fit(series, end - 7 * PER_DAY) or day_base
        week = _window(series, end, 7 * PER_DAY, week_base, partial)
        if surge.is_surge(week, sensitivity.alpha):
            signals.append(_signal(series, end, 7 * PER_DAY, week, "surge_week", 52, week_base))
    else:
        signals.extend(_days(series, end, day_base, sensitivity, partial, _fit))
        signals.extend(_slow_build(series, end, day_base, sensitivity))
    if series.topic == ALL:
        signals.extend(_share(series, end, day_base, sensitivity))
    return Check(series.topic, tuple(signals), day_base)


def fit_before(series: Series, until: int) -> Baseline | None:
    """The baseline on the 28 days of whole hours before bin `until`, or None without history."""
    stop = (until // PER_HOUR) * PER_HOUR
    begin = max(0, stop - BASELINE_DAYS * PER_DAY)
    if stop - begin < PER_DAY:
        return None  # less than a day of history: nothing to call normal yet
    span = slice(begin, stop)
    hourly = series.counts[span].reshape(-1, PER_HOUR).sum(axis=1)
    negatives = series.negatives[span].reshape(-1, PER_HOUR).sum(axis=1)
    included = np.logical_not(series.excluded[span].reshape(-1, PER_HOUR).any(axis=1))
    if included.sum() < 24:
        return None  # under a day of hours it may call normal (heard, outside incidents)
    return baseline.fit(hourly, negatives, series.weekday[span][::PER_HOUR],
                        series.hour[span][::PER_HOUR], included)  # fmt: skip


def _days(series: Series, end: int, fitted: Baseline, sensitivity: CrisisPolicy,
          partial: float, fit: Fit) -> list[Signal]:  # fmt: skip
    """Today so far at a strict alpha; in the first hour of a day, yesterday whole at alpha."""
    found: list[Signal] = []
    today = _since_midnight(series, end)
    day = _window(series, end, today, fitted, partial)
    if surge.is_surge(day, sensitivity.alpha / EARLY_LOOKS):
        found.append(_signal(series, end, today, day, "surge_day", 365, fitted))
    midnight = end - today
    if today <= PER_HOUR and midnight >= PER_DAY:
        before = fit(series, midnight - PER_DAY)
        if before is not None:
            whole = _window(series, midnight, PER_DAY, before, 1.0)
            if surge.is_surge(whole, sensitivity.alpha):
                found.append(_signal(series, midnight, PER_DAY, whole, "surge_day", 365, before))
    return found


def _since_midnight(series: Series, end: int) -> int:
    """How many bins of the tenant's local day have passed by bin `end - 1`, that one included.

    The day is the local calendar day, not the last 24 hours: tested as it fills, it is close
    to one test a day, where a sliding day would be tested afresh every few minutes."""
    last = end - 1
    return int(series.hour[last]) * PER_HOUR + last % PER_HOUR + 1


def _expected(series: Series, span: slice, fitted: Baseline, partial: float) -> np.ndarray:
    rates = fitted.per_hour[series.weekday[span], series.hour[span]] / PER_HOUR
    if len(rates):
        rates[-1] *= partial
    return rates


def _window(series: Series, end: int, size: int, fitted: Baseline, partial: float) -> surge.Tail:
    span = slice(max(0, end - size), end)
    observed = int(series.counts[span].sum())
    expected = float(_expected(series, span, fitted, partial).sum())
    if not surge.is_surge(surge.Tail(observed, expected, 0.0), 1.0):
        return surge.Tail(observed, expected, 1.0)  # fails the guards: no need to ask scipy
    return surge.nb_tail(observed, expected, fitted.dispersion)


def _signal(series: Series, end: int, size: int, tail: surge.Tail, trigger: str,
            per_year: float, fitted: Baseline) -> Signal:  # fmt: skip
    return Signal(series.topic, trigger, series.moment(max(0, end - size)), series.moment(end),
                  tail.observed, tail.expected, tail.p, per_year, fitted.low_volume)  # fmt: skip


def _slow_build(
    series: Series, end: int, fitted: Baseline, sensitivity: CrisisPolicy
) -> list[Signal]:
    stop = end - end % CUSUM_BIN  # whole three-hour bins only: a partial one reads as a dip
    span = slice(max(0, stop - CUSUM_DAYS * PER_DAY), stop)
    counts = series.counts[span].reshape(-1, CUSUM_BIN).sum(axis=1)
    expected = _expected(series, span, fitted, 1.0).reshape(-1, CUSUM_BIN).sum(axis=1)
    found = surge.nb_cusum(counts, expected, fitted.dispersion)
    tail = surge.Tail(found.observed, found.expected, 0.0)
    if found.statistic < sensitivity.cusum_threshold or not surge.is_surge(tail, 1.0):
        return []
    start = series.moment(stop - found.bins * CUSUM_BIN)
    return [Signal(series.topic, "slow_build", start, series.moment(stop), found.observed,
                   found.expected, low_volume=fitted.low_volume)]  # fmt: skip


def _share(series: Series, end: int, fitted: Baseline, sensitivity: CrisisPolicy) -> list[Signal]:
    span = slice(max(0, end - _since_midnight(series, end)), end)
    total, negatives = int(series.counts[span].sum()), int(series.negatives[span].sum())
    tail = surge.share_tail(negatives, total, fitted.negative, sensitivity.share_strength)
    if not surge.is_surge(tail, sensitivity.alpha / EARLY_LOOKS):
        return []
    return [_signal(series, end, span.stop - span.start, tail, "negative_share", 365, fitted)]


def _instant(series: Series, end: int) -> tuple[Signal, ...]:
    """Content triggers alarm at any volume: one such mention in the last hour is enough."""
    span = slice(max(0, end - PER_HOUR), end)
    observed = int(series.counts[span].sum())
    if not observed:
        return ()
    return (Signal(series.topic, series.topic, series.moment(span.start), series.moment(end),
                   observed, 0.0),)  # fmt: skip
