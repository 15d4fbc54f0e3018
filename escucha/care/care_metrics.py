"""Care figures over a period: response rate, response and resolution times, SLA compliance,
and satisfaction (CSAT) with the number of answers beside the score.

Pure calculation. The unit is one cycle of a case (a reopen starts a new one) that began in
the period. Every figure says how many cases and cycles are behind it, and figures that are
divided or set side by side are computed over the same cycles: the resolved share and the
resolution time come from one set of resolved cycles, never from two lists filtered apart.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel

from escucha.care.casework import CaseMessage, cycle_outcomes
from escucha.care.csat import Asked, Rating
from escucha.care.lifecycle import StatusChange, cycles
from escucha.care.response_times import CycleTimes, Span, cycle_times
from escucha.core.business_time import days_remembered
from escucha.core.tenant import Tenant

CycleKey = tuple[str, int]  # case id, cycle number


@dataclass(frozen=True)
class CaseRecord:
    """A case's history, as the figures read it."""

    case_id: str
    channel: str
    opened_at: datetime
    messages: tuple[CaseMessage, ...]
    changes: tuple[StatusChange, ...]
    asked: tuple[Asked, ...] = ()  # the CSAT questions that went out
    ratings: tuple[Rating, ...] = ()  # and the answers


class FiguresMismatch(ValueError):
    """Two figures were about to be combined over different cases."""


class Rate(BaseModel, frozen=True):
    """`hits` of `over` cycles, and the distinct cases those cycles belong to."""

    hits: int
    over: int
    cases: int
    value: float | None  # hits / over; None when no cycle counts


class Times(BaseModel, frozen=True):
    """Durations in minutes, wall-clock and business, with how many are behind them."""

    count: int
    cases: int
    median_minutes: float | None
    p90_minutes: float | None
    business_median_minutes: float | None
    business_p90_minutes: float | None


class Satisfaction(BaseModel, frozen=True):
    """CSAT of the cycles asked in the period: who answered, and who of them was satisfied."""

    asked: int
    answered: Rate  # of the cycles asked
    satisfied: Rate  # a 4 or a 5 (or a yes), of the cycles answered
    mean_score: float | None  # 1-5, over the answers


class CareMetrics(BaseModel, frozen=True):
    since: datetime
    until: datetime
    cases: int  # with a cycle that began in the period
    cycles: int
    response_rate: Rate  # answered by a person, of the cycles that needed an answer
    first_response: Times
    next_response: Times
    resolved: Rate  # of all the period's cycles
    resolution: Times  # over exactly the cycles `resolved` counts as hits
    sla: dict[str, Rate]  # per target: met in time, of the targets met or breached
    automated_replies_excluded: int
    csat: Satisfaction


def rate(hits: set[CycleKey], over: set[CycleKey]) -> Rate:
    """A share whose numerator is drawn from its own denominator, or an error saying not."""
    if not hits <= over:
        raise FiguresMismatch(f"{len(hits - over)} counted cycles are not among those divided by")
    return Rate(
        hits=len(hits),
        over=len(over),
        cases=len({case for case, _ in over}),
        value=len(hits) / len(over) if over else None,
    )


def times(spans: Iterable[tuple[CycleKey, Span]]) -> Times:
    listed = list(spans)
    wall = [s.wall_s / 60 for _, s in listed]
    business = [s.business_s / 60 for _, s in listed]
    return Times(
        count=len(listed),
        cases=len({key[0] for key, _ in listed}),
        median_minutes=_median(wall),
        p90_minutes=_p90(wall),
        business_median_minutes=_median(business),
        business_p90_minutes=_p90(business),
    )


def _median(values: Sequence[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def _p90(values: Sequence[float]) -> float | None:
    if len(values) < 2:
        return _median(values)
    return round(statistics.quantiles(values, n=10, method="inclusive")[-1], 2)


@dataclass(frozen=True)
class MeasuredCycle:
    key: CycleKey
    times: CycleTimes
    targets: dict[str, tuple[bool, bool]]  # target → (finished: met or breached, in time)


def measured_cycles(tenant: Tenant, record: CaseRecord, now: datetime) -> list[MeasuredCycle]:
    """Each cycle of one case with its waits, resolution and SLA outcomes."""
    found = []
    for cycle in cycles(record.opened_at, record.messages, list(record.changes), now):
        states = cycle_outcomes(tenant, record.channel, cycle, record.messages, now)
        targets = {
            s.target.value: (s.met_at is not None or s.breached_at is not None,
                             s.met_at is not None and s.breached_at is None)
            for s in states
        }  # fmt: skip
        measured = cycle_times(tenant, record.messages, cycle)
        found.append(MeasuredCycle((record.case_id, cycle.number), measured, targets))
    return found


def measure(
    tenant: Tenant,
    records: Iterable[CaseRecord],
    since: datetime,
    until: datetime,
    now: datetime,
) -> CareMetrics:
    """The care figures of the cycles that began in [since, until), as of `now`."""
    records = list(records)
    with days_remembered(tenant):  # every case's clocks walk the same business days
        chosen = [
            c
            for record in records
            for c in measured_cycles(tenant, record, now)
            if since <= c.times.started_at < until
        ]
    every = {c.key for c in chosen}
    needed = {c.key for c in chosen if c.times.needed_answer}
    answered = {c.key for c in chosen if c.times.needed_answer and c.times.first_response}
    resolved = [(c.key, c.times.resolution) for c in chosen if c.times.resolution is not None]
    return CareMetrics(
        since=since,
        until=until,
        cases=len({case for case, _ in every}),
        cycles=len(every),
        response_rate=rate(answered, needed),
        first_response=times(
            (c.key, c.times.first_response) for c in chosen if c.times.first_response
        ),
        next_response=times((c.key, s) for c in chosen for s in c.times.next_responses),
        resolved=rate({key for key, _ in resolved}, every),
        resolution=times(resolved),
        sla=_compliance(chosen),
        automated_replies_excluded=sum(c.times.automated_replies for c in chosen),
        csat=satisfaction(records, since, until),
    )


def satisfaction(records: Iterable[CaseRecord], since: datetime, until: datetime) -> Satisfaction:
    """CSAT over the cycles whose question went out in [since, until)."""
    asked: set[CycleKey] = set()
    scores: dict[CycleKey, int] = {}
    for record in records:
        for question in record.asked:
            if since <= question.at < until:
                asked.add((record.case_id, question.cycle))
        for rating in record.ratings:
            scores.setdefault((record.case_id, rating.cycle), rating.score)
    answered = {key: score for key, score in scores.items() if key in asked}
    return Satisfaction(
        asked=len(asked),
        answered=rate(set(answered), asked),
        satisfied=rate({key for key, score in answered.items() if score >= 4}, set(answered)),
        mean_score=round(statistics.mean(answered.values()), 2) if answered else None,
    )


def _compliance(chosen: Sequence[MeasuredCycle]) -> dict[str, Rate]:
    names = sorted({name for c in chosen for name in c.targets})
    return {
        name: rate(
            {c.key for c in chosen if c.targets.get(name, (False, False))[1]},
            {c.key for c in chosen if c.targets.get(name, (False, False))[0]},
        )
        for name in names
    }
