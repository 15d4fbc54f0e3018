"""Complaint recovery: of the people who complained in a period, who came back to the brand.

Pure calculation. A complainer is recovered when, within 60 days of their first complaint in
the period, they post positively about the brand, answer a satisfaction survey with 4 or 5,
or buy (a deal won in the CRM). People are contacts: a merged contact is one person across
its channels. Someone whose 60 days have not run out and who has not come back yet is shown
apart, as still open, and counted in neither part of the rate.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel

WINDOW = timedelta(days=60)


@dataclass(frozen=True)
class Post:
    """A customer's post about the brand, as recovery reads it."""

    person: str
    at: datetime
    complaint: bool
    positive: bool
    case_id: str | None
    score: float  # the sentiment score, -1 to 1


@dataclass(frozen=True)
class Signal:
    """Something else that says a person came back: a survey answer or a purchase."""

    person: str
    at: datetime
    kind: str  # csat, purchase
    value: int | None = None  # the CSAT score


class Recovery(BaseModel, frozen=True):
    complainers: int  # people whose first complaint of the period is behind this figure
    decided: int  # recovered, or their 60 days are over
    recovered: int
    still_open: int  # neither yet
    rate: float | None  # recovered / decided
    so_far: float | None  # recovered / complainers: what the rate cannot fall below
    by: dict[str, int]  # what recovered them first: post, csat, purchase
    median_days_to_recovery: float | None
    cases_with_sentiment_change: int
    median_sentiment_change: float | None  # within a case: last customer message − first


def recovery(
    posts: Iterable[Post], signals: Iterable[Signal], since: datetime, until: datetime,
    now: datetime,
) -> Recovery:  # fmt: skip
    """Complaint recovery of the people who first complained in [since, until), as of `now`."""
    listed = sorted(posts, key=lambda p: p.at)
    first = first_complaints(listed, since, until)
    recovered = _comebacks(listed, list(signals), first)
    still_open = {p for p in first if p not in recovered and first[p] + WINDOW > now}
    decided = len(first) - len(still_open)
    kinds: dict[str, int] = {}
    for _, kind in recovered.values():
        kinds[kind] = kinds.get(kind, 0) + 1
    days = [(at - first[p]).total_seconds() / 86400 for p, (at, _) in recovered.items()]
    changes = _sentiment_changes(p for p in listed if p.person in first)
    return Recovery(
        complainers=len(first),
        decided=decided,
        recovered=len(recovered),
        still_open=len(still_open),
        rate=len(recovered) / decided if decided else None,
        so_far=len(recovered) / len(first) if first else None,
        by=kinds,
        median_days_to_recovery=round(statistics.median(days), 2) if days else None,
        cases_with_sentiment_change=len(changes),
        median_sentiment_change=round(statistics.median(changes), 3) if changes else None,
    )


def first_complaints(posts: Iterable[Post], since: datetime, until: datetime
                     ) -> dict[str, datetime]:  # fmt: skip
    """Each person's first complaint in [since, until)."""
    first: dict[str, datetime] = {}
    for post in sorted(posts, key=lambda p: p.at):
        if post.complaint and since <= post.at < until:
            first.setdefault(post.person, post.at)
    return first


def recovered_people(posts: Iterable[Post], signals: Iterable[Signal], since: datetime,
                     until: datetime) -> dict[str, tuple[datetime, str]]:  # fmt: skip
    """The period's complainers who came back: when, and what brought them back first."""
    listed = sorted(posts, key=lambda p: p.at)
    return _comebacks(listed, list(signals), first_complaints(listed, since, until))


def _comebacks(posts: list[Post], signals: list[Signal], first: dict[str, datetime]
               ) -> dict[str, tuple[datetime, str]]:  # fmt: skip
    """Each complainer's first sign of recovery inside their window, and what it was."""
    found: dict[str, tuple[datetime, str]] = {}
    candidates = [(p.person, p.at, "post") for p in posts if p.positive and not p.complaint]
    candidates += [(s.person, s.at, s.kind) for s in signals if _comes_back(s)]
    for person, at, kind in sorted(candidates, key=lambda c: c[1]):
        start = first.get(person)
        if start is not None and start < at <= start + WINDOW and person not in found:
            found[person] = (at, kind)
    return found


def _comes_back(signal: Signal) -> bool:
    return signal.kind == "purchase" or (signal.kind == "csat" and (signal.value or 0) >= 4)


def _sentiment_changes(posts: Iterable[Post]) -> list[float]:
    by_case: dict[str, list[Post]] = {}
    for post in posts:
        if post.case_id is not None:
            by_case.setdefault(post.case_id, []).append(post)
    return [round(said[-1].score - said[0].score, 3) for said in by_case.values() if len(said) >= 2]
