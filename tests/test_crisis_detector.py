"""The crisis detector as pure calculation: no broker, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from escucha.core.crisis_policy import CrisisPolicy
from escucha.insight import baseline
from escucha.insight.detector import detect, fit_before
from escucha.insight.incident import Change, Status, advance
from escucha.insight.replay import Replay
from escucha.insight.series import PER_DAY, PER_HOUR, Series, build, local_clock
from escucha.insight.surge import nb_cusum

MADRID = ZoneInfo("Europe/Madrid")
START = datetime(2026, 1, 4, 23, tzinfo=UTC)  # local midnight in Madrid
POLICY = CrisisPolicy()


def series(counts: np.ndarray, topic: str = "all", negatives: np.ndarray | None = None) -> Series:
    counts = np.asarray(counts, dtype=np.int64)
    weekday, hour = local_clock(START, len(counts), MADRID)
    negs = np.zeros_like(counts) if negatives is None else np.asarray(negatives, dtype=np.int64)
    return Series(topic, START, counts, negs, weekday, hour, np.zeros(len(counts), bool))


def quiet(days: int, per_day: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.poisson(per_day / PER_DAY, size=days * PER_DAY).astype(np.int64)


def every_check(s: Series, first: int) -> list:
    return [sig for end in range(first, len(s) + 1) for sig in detect(s, end, POLICY).signals]


def test_a_flat_series_never_alarms():
    counts = np.tile(np.array([1, 0, 0, 0]), 40 * 24)  # one mention at every hour, for 40 days
    assert every_check(series(counts), 30 * PER_DAY) == []


def test_all_zeros_never_alarm_and_the_baseline_is_not_degenerate():
    s = series(np.zeros(40 * PER_DAY, dtype=np.int64))
    assert every_check(s, 30 * PER_DAY) == []
    fitted = fit_before(s, 30 * PER_DAY)
    assert fitted is not None and fitted.daily_mean > 0 and np.isfinite(fitted.dispersion)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=20, max_size=20), st.integers(0, 2**31))
def test_fewer_than_five_in_any_window_is_never_a_surge(spikes, seed):
    """Zero-inflated: quiet days, then any hour of up to four mentions; never a signal."""
    rng = np.random.default_rng(seed)
    counts = np.zeros(36 * PER_DAY, dtype=np.int64)
    spots = rng.choice(np.arange(29 * PER_DAY, 36 * PER_DAY, PER_DAY), size=len(spikes))
    for spot, spike in zip(spots, spikes, strict=True):
        counts[spot] = spike  # at most 4 mentions on any of the last days
    s = series(counts)
    for end in range(29 * PER_DAY, len(s) + 1, 3):
        for signal in detect(s, end, POLICY).signals:
            assert signal.observed >= 5, signal


def test_a_median_absolute_deviation_of_zero_does_not_invent_anomalies():
    """Twitter's S-H-ESD flags the zeros around one 10 (AnomalyDetection #67); this flags the 10."""
    counts = np.zeros(40 * PER_DAY, dtype=np.int64)
    counts[35 * PER_DAY + 40] = 10
    s = series(counts)
    found = every_check(s, 30 * PER_DAY)
    assert found and all(sig.observed >= 10 for sig in found)
    assert all(sig.window_end > s.moment(35 * PER_DAY + 40) for sig in found)


def test_forty_negative_mentions_in_ten_minutes_over_a_quiet_month_alarm_at_once():
    counts = quiet(36, 10)
    negatives = np.minimum(counts, np.random.default_rng(1).binomial(counts, 0.2))
    burst = 35 * PER_DAY + 50
    counts[burst] += 40
    negatives[burst] += 40
    found = detect(series(negatives, "negative"), burst + 1, POLICY, partial=10 / 15).signals
    hour = [s for s in found if s.trigger == "surge_hour"]
    assert hour and hour[0].observed >= 40 and hour[0].expected < 2
    assert hour[0].years_between is not None and hour[0].years_between > 10


def test_a_quiet_month_at_five_a_day_alarms_seldom():
    total = 0
    for seed in range(4):
        s = series(quiet(96, 5, seed))
        total += len(Replay({"all": s}, POLICY).run(36 * PER_DAY, 96 * PER_DAY, step=2))
    assert total <= 4  # the budget is one per 60 days; four series of 60 days


def test_a_five_times_day_is_caught():
    counts = quiet(40, 15, seed=3)
    rng = np.random.default_rng(4)
    counts[36 * PER_DAY : 37 * PER_DAY] += rng.multinomial(60, np.full(PER_DAY, 1 / PER_DAY))
    opened = Replay({"all": series(counts)}, POLICY).run(36 * PER_DAY, 37 * PER_DAY + PER_HOUR)
    assert opened and opened[0].incident.opened_at < series(counts).moment(37 * PER_DAY + PER_HOUR)


def test_the_baseline_learns_the_week_at_volume_and_stays_flat_at_a_trickle():
    busy = np.zeros(28 * PER_DAY, dtype=np.int64)
    weekday, _ = local_clock(START, len(busy), MADRID)
    rng = np.random.default_rng(5)
    busy[:] = rng.poisson(np.where(weekday == 0, 200, 40) / PER_DAY)  # Mondays are 5x busier
    fitted = fit_before(series(busy), len(busy))
    assert fitted is not None
    monday, tuesday = fitted.per_hour[0].sum(), fitted.per_hour[1].sum()
    assert monday > 2.5 * tuesday
    trickle = fit_before(series(quiet(28, 2, seed=6)), 28 * PER_DAY)
    assert trickle is not None and trickle.low_volume
    days = trickle.per_hour.sum(axis=1)
    assert days.max() < 1.5 * days.min()  # a few mentions cannot make a weekly shape


def test_local_time_follows_daylight_saving():
    start = datetime(2026, 3, 28, 23, tzinfo=UTC)  # Madrid's midnight before the change
    _, hour = local_clock(start, 2 * PER_DAY, MADRID)
    hours = hour[::PER_HOUR].tolist()
    assert hours[:4] == [0, 1, 3, 4]  # 02:00 does not exist on 29 March


def test_the_dispersion_is_wide_without_history_and_near_poisson_when_counts_are_steady():
    steady = np.tile(np.array([2, 2, 2, 2]), 28 * 24)
    fitted = fit_before(series(steady), len(steady))
    assert fitted is not None and fitted.dispersion > 5
    short = series(np.ones(3 * PER_DAY, dtype=np.int64))
    fitted = fit_before(short, len(short))
    assert fitted is not None and fitted.dispersion == baseline.MIN_DISPERSION


def test_cusum_accumulates_a_slow_build_and_resets_on_normal():
    expected = np.full(40, 3.0)
    normal = nb_cusum(np.full(40, 3), expected, 10.0)
    assert normal.statistic == 0
    slow = nb_cusum(np.concatenate([np.full(30, 3), np.full(10, 7)]), expected, 10.0)
    assert slow.statistic > 5 and slow.bins == 10 and slow.observed == 70


def test_build_makes_a_dense_series_from_sparse_rows_and_marks_past_incidents():
    start = datetime(2026, 5, 1, tzinfo=UTC)
    rows = [(start + timedelta(minutes=15), 3, 1), (start + timedelta(hours=2), 2, 2)]
    s = build("all", start, start + timedelta(hours=3), rows, MADRID,
              excluded=[(start + timedelta(hours=1), start + timedelta(hours=2))])  # fmt: skip
    assert s.counts.tolist() == [0, 3, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0]
    assert s.negatives[8] == 2 and s.excluded[4:8].all() and not s.excluded[8]


def _signal(at: datetime, excess: int, topic: str = "negative", trigger: str = "surge_hour"):
    from escucha.insight.detector import Signal

    return Signal(topic, trigger, at - timedelta(hours=1), at, excess + 1, 1.0, 1e-9, 8760)


def test_an_incident_opens_updates_on_news_subsides_and_closes_after_the_cooldown():
    t0 = datetime(2026, 6, 1, 12, tzinfo=UTC)
    cooldown, subsiding = timedelta(hours=6), timedelta(hours=1)
    incident, change = advance(None, [_signal(t0, 10)], t0, cooldown, subsiding)
    assert incident is not None and change is Change.opened and incident.status is Status.open
    same, change = advance(incident, [_signal(t0 + timedelta(minutes=5), 12)],
                           t0 + timedelta(minutes=5), cooldown, subsiding)  # fmt: skip
    assert change is None and same is not None and same.status is Status.open
    grown, change = advance(same, [_signal(t0 + timedelta(minutes=10), 25)],
                            t0 + timedelta(minutes=10), cooldown, subsiding)  # fmt: skip
    assert change is Change.updated and grown is not None and grown.status is Status.escalating
    later = t0 + timedelta(minutes=80)
    calm, change = advance(grown, [], later, cooldown, subsiding)
    assert change is Change.updated and calm is not None and calm.status is Status.subsiding
    again, change = advance(
        calm, [_signal(later, 3, "all", "surge_day")], later, cooldown, subsiding
    )
    assert change is Change.updated and again is not None and again.opened_at == t0
    assert again.topics == ("negative", "all") and again.status is Status.escalating
    gone, change = advance(again, [], later + timedelta(hours=6), cooldown, subsiding)
    assert change is Change.closed and gone is not None and gone.status is Status.closed
    anew, change = advance(gone, [_signal(later + timedelta(hours=7), 9)],
                           later + timedelta(hours=7), cooldown, subsiding)  # fmt: skip
    assert change is Change.opened and anew is not None and anew.opened_at > t0


def test_a_message_copied_fast_alarms_as_its_cluster_and_a_few_copies_do_not():
    """A copy-paste campaign: a near-duplicate cluster is its own series, empty until now."""
    campaign = np.zeros(36 * PER_DAY, dtype=np.int64)
    campaign[-4:] = [2, 3, 2, 2]  # nine copies within the last hour
    signals = detect(series(campaign, "cluster:c9"), len(campaign), POLICY).signals
    hour = [s for s in signals if s.trigger == "surge_hour"]
    assert [(s.topic, s.observed) for s in hour] == [("cluster:c9", 9)]
    few = np.zeros(36 * PER_DAY, dtype=np.int64)
    few[-4:] = [1, 1, 1, 1]  # four: under the five any alarm needs
    assert detect(series(few, "cluster:c9"), len(few), POLICY).signals == ()
