"""What a topic's count would be with nothing happening: a negative-binomial baseline.

The mean is a multiplicative model, day of week times hour of day in the tenant's zone, each
factor shrunk toward flat by pseudo-counts, so a month of a small business's mentions gives a
usable shape and a quiet one stays flat. The dispersion is fitted on 24-hour totals by the
method of moments and floored, so a quiet history cannot make the test overconfident. Hours
inside past incidents are left out (they are not what normal looks like).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# A flat prior behind each factor, in mentions, so shrinkage fades as volume grows: at five a
# day a weekday's four days (20 mentions) are pulled 83% toward flat, at fifty a day 33%.
DOW_PSEUDO_MENTIONS = 100.0
HOUR_PSEUDO_MENTIONS = 10.0
MIN_DISPERSION, MAX_DISPERSION = 1.0, 200.0
LOW_VOLUME_PER_DAY = 3.0  # below it, hourly and daily windows are mostly noise: use weeks
PRIOR_COUNT = 0.5
PRIOR_DISPERSION, PRIOR_DAYS = 5.0, 7.0  # a topic never seen still has some small rate


@dataclass(frozen=True)
class Baseline:
    """Expected counts per local (weekday, hour), how overdispersed they are, the negative share."""

    per_hour: NDArray[np.float64]  # shape (7, 24): expected count in one hour at (weekday, hour)
    dispersion: float  # the negative binomial's k: variance = mean + mean² / k
    daily_mean: float
    negative: tuple[float, float]  # beta prior of the negative share (negatives + 1, others + 1)
    days: float  # days of history it rests on

    @property
    def low_volume(self) -> bool:
        return self.daily_mean < LOW_VOLUME_PER_DAY

    def expected(self, weekday: NDArray[np.int64], hour: NDArray[np.int64],
                 fraction: float = 1.0) -> float:  # fmt: skip
        """Expected total over slots at those weekdays and hours, `fraction` of an hour each."""
        return float(self.per_hour[weekday, hour].sum() * fraction)


def fit(
    counts: NDArray[np.int64],
    negatives: NDArray[np.int64],
    weekday: NDArray[np.int64],
    hour: NDArray[np.int64],
    included: NDArray[np.bool_],
) -> Baseline:
    """Fit on hourly bins (oldest first): their counts, local weekday and hour, and which count."""
    used = counts[included].astype(float)
    hours = max(1, int(included.sum()))
    rate = (used.sum() + PRIOR_COUNT) / hours
    dow = _factor(counts, weekday, included, 7, rate, DOW_PSEUDO_MENTIONS)
    hod = _factor(counts, hour, included, 24, rate, HOUR_PSEUDO_MENTIONS)
    shape = np.outer(dow, hod)
    shape *= 168.0 / shape.sum()  # the factors reshape the week, they do not add to it
    per_hour = rate * shape
    share = (
        float(negatives[included].sum()) + 1.0,
        float(used.sum() - negatives[included].sum()) + 1.0,
    )
    # Against the flat mean: weekday factors fitted on four of each weekday would soak up the
    # very day-to-day spread k must measure.
    expected = np.full(len(counts), rate)
    k = _dispersion(counts, expected, hour, included)
    return Baseline(
        per_hour=per_hour,
        dispersion=predictive(k, rate * 24, hours / 24 / 7 + DOW_PSEUDO_MENTIONS / (rate * 24)),
        daily_mean=rate * 24,
        negative=share,
        days=hours / 24,
    )


def predictive(k: float, daily_mean: float, same_weekdays: float) -> float:
    """The k of the next day's count, the mean's own error included: a weekday's mean rests on
    a handful of that weekday, and a test that forgot it would alarm twice as often as it says."""
    mean_error = (1 / max(daily_mean, 1e-9) + 1 / k) / max(same_weekdays, 1.0)
    return float(max(MIN_DISPERSION, 1 / (1 / k + mean_error)))


def _factor(
    counts: NDArray[np.int64], slot: NDArray[np.int64], included: NDArray[np.bool_],
    slots: int, rate: float, pseudo: float,
) -> NDArray[np.float64]:  # fmt: skip
    seen = np.bincount(slot[included], weights=counts[included], minlength=slots)
    exposure = np.bincount(slot[included], minlength=slots).astype(float)
    return (seen + pseudo) / (exposure * rate + pseudo)


def _dispersion(
    counts: NDArray[np.int64],
    expected: NDArray[np.float64],
    hour: NDArray[np.int64],
    included: NDArray[np.bool_],
) -> float:
    """k by the method of moments on whole local days, floored and capped.

    Days, because that is the scale at which a business's volume wanders (a slow Monday, a busy
    sale day): every hour of a day shares it, so the same k holds for an hour's window."""
    day = np.cumsum(hour == 0)  # a new local day starts at each local midnight
    days = int(day[-1]) + 1
    hours = np.bincount(day, minlength=days)
    whole = (hours >= 23) & (np.bincount(day, weights=~included, minlength=days) == 0)
    whole[0] = whole[0] and hour[0] == 0  # the first day is whole only if it starts at midnight
    observed = np.bincount(day, weights=counts, minlength=days)[whole]
    mean = np.bincount(day, weights=expected, minlength=days)[whole]
    if len(observed) < 7:
        return MIN_DISPERSION  # too little to tell: assume the widest spread
    excess = max(0.0, float(((observed - mean) ** 2 - mean).sum()))
    # 1/k from a month of days is noisy, and an underestimate calls normal days rare; pulling
    # it toward a prior week of k = 5 costs little power where Poisson noise rules (a few a day)
    # and keeps the false alarms in budget where k rules the variance (dozens a day).
    inverse = excess / float((mean**2).sum())
    days = len(observed)
    blended = (days * inverse + PRIOR_DAYS / PRIOR_DISPERSION) / (days + PRIOR_DAYS)
    return float(np.clip(1 / blended, MIN_DISPERSION, MAX_DISPERSION))
