"""The statistical tests a window's count must pass to be called a surge.

Each is a tail probability under the baseline plus guards against tiny numbers: at two
mentions a day, "five times normal" can be five mentions, and five is not a crisis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats

MIN_OBSERVED = 5  # Farrington's guard: fewer than five is never a surge
MIN_EXCESS = 4.0


@dataclass(frozen=True)
class Tail:
    observed: int
    expected: float
    p: float

    @property
    def excess(self) -> float:
        return self.observed - self.expected


def nb_tail(observed: int, expected: float, dispersion: float) -> Tail:
    """P(X >= observed) for X negative binomial with that mean and k."""
    mean = max(expected, 1e-9)
    p = float(stats.nbinom.sf(observed - 1, dispersion, dispersion / (dispersion + mean)))
    return Tail(observed, expected, p)


def is_surge(tail: Tail, alpha: float) -> bool:
    """Rare, large and not tiny: all three, so no single one of them can cry wolf."""
    return (
        tail.p < alpha
        and tail.observed >= MIN_OBSERVED
        and tail.excess >= max(MIN_EXCESS, 0.5 * tail.expected)
    )


def share_tail(negatives: int, total: int, prior: tuple[float, float], strength: float) -> Tail:
    """P(Y >= negatives) for Y beta-binomial over `total` with the prior share, its weight capped
    at `strength` mentions so that day-to-day drift of the share is not called news."""
    a, b = prior
    scale = min(1.0, strength / (a + b))
    a, b = a * scale, b * scale
    expected = total * a / (a + b)
    p = float(stats.betabinom.sf(negatives - 1, total, a, b)) if total else 1.0
    return Tail(negatives, expected, p)


@dataclass(frozen=True)
class Cusum:
    statistic: float
    observed: int  # since the statistic last stood at zero
    expected: float
    bins: int


def nb_cusum(
    counts: NDArray[np.int64], expected: NDArray[np.float64], dispersion: float, ratio: float = 2.0
) -> Cusum:
    """A negative-binomial CUSUM for a shift of the mean to `ratio` times the baseline.

    Each bin adds its log-likelihood ratio of "ratio times normal" over "normal"; the sum is
    floored at zero, so a slow build that no single window shows accumulates to an alarm."""
    k = dispersion
    statistic, since, observed, wanted = 0.0, 0, 0, 0.0
    for count, mean in zip(counts.tolist(), expected.tolist(), strict=True):
        mean = max(mean, 1e-9)
        step = count * math.log(ratio * (k + mean) / (k + ratio * mean)) + k * math.log(
            (k + mean) / (k + ratio * mean)
        )
        statistic += step
        if statistic <= 0:
            statistic, since, observed, wanted = 0.0, 0, 0, 0.0
        else:
            since, observed, wanted = since + 1, observed + count, wanted + mean
    return Cusum(statistic, observed, wanted, since)
