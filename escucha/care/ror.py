"""The return-on-relationship ledger: what each person gave the brand over a period, in parts.

Pure calculation. Never one opaque score: a person's line counts their positive posts, their
recommendations, whether they complained and came back (complaint recovery's rule: a positive
post, a CSAT of 4 or 5, or a purchase within 60 days), their satisfied survey answers, and the
deals won with them and the revenue the CRM put on those deals. The tenant's ledger is the sum
of its people's lines, so every total can be traced to the people behind it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import TypeVar

from pydantic import BaseModel

from escucha.care.recovery import Post, Signal, first_complaints, recovered_people

T = TypeVar("T")


@dataclass(frozen=True)
class Said:
    """A post as the ledger reads it."""

    post: Post
    recommends: bool


@dataclass(frozen=True)
class Purchase:
    person: str
    at: datetime
    amount: float | None  # in the CRM's currency; None when the deal carries none


class Line(BaseModel, frozen=True):
    """One person's part of the relationship in the period."""

    person: str
    positive_mentions: int
    recommendations: int
    complained: bool
    recovered: bool  # complained in the period and came back within 60 days (so far)
    satisfied_answers: int  # CSAT 4 or 5
    deals_won: int
    revenue: float  # the amounts of those deals; deals without one add nothing

    def gave(self) -> bool:
        return bool(self.positive_mentions or self.recommendations or self.complained
                    or self.satisfied_answers or self.deals_won)  # fmt: skip


class Ledger(BaseModel, frozen=True):
    since: datetime
    until: datetime
    people: int  # with any line
    positive_mentions: int
    recommendations: int
    complainers: int
    recovered_complaints: int
    satisfied_answers: int
    deals_won: int
    revenue: float
    deals_without_amount: int  # won deals whose revenue the CRM did not say
    lines: tuple[Line, ...]  # every person's, most given first


def ledger(said: Iterable[Said], answers: Iterable[Signal], purchases: Iterable[Purchase],
           since: datetime, until: datetime) -> Ledger:  # fmt: skip
    """The ledger of [since, until): posts, answers and purchases inside it, and comebacks of
    the period's complainers read from all of what is given (which may run past `until`)."""
    said, answers, purchases = list(said), list(answers), list(purchases)
    posts = [s.post for s in said]
    signals = answers + [Signal(p.person, p.at, "purchase") for p in purchases]
    came_back = recovered_people(posts, signals, since, until)
    complained = first_complaints(posts, since, until)
    inside = [s for s in said if since <= s.post.at < until]
    bought = [p for p in purchases if since <= p.at < until]
    people = sorted({s.post.person for s in inside} | {p.person for p in bought}
                    | {a.person for a in answers if since <= a.at < until})  # fmt: skip
    theirs, deals = _by_person(inside, lambda s: s.post.person), _by_person(bought)
    pleased = _by_person(a for a in answers if since <= a.at < until and (a.value or 0) >= 4)
    lines = [_line(person, theirs.get(person, []), pleased.get(person, []),
                   deals.get(person, []), complained, came_back)
             for person in people]  # fmt: skip
    lines = sorted((line for line in lines if line.gave()), key=_weight, reverse=True)
    return Ledger(
        since=since,
        until=until,
        people=len(lines),
        positive_mentions=sum(line.positive_mentions for line in lines),
        recommendations=sum(line.recommendations for line in lines),
        complainers=sum(line.complained for line in lines),
        recovered_complaints=sum(line.recovered for line in lines),
        satisfied_answers=sum(line.satisfied_answers for line in lines),
        deals_won=sum(line.deals_won for line in lines),
        revenue=round(sum(line.revenue for line in lines), 2),
        deals_without_amount=sum(1 for p in bought if p.amount is None),
        lines=tuple(lines),
    )


def _line(person: str, theirs: list[Said], pleased: list[Signal], deals: list[Purchase],
          complained: dict[str, datetime], came_back: dict[str, tuple[datetime, str]]
          ) -> Line:  # fmt: skip
    """One person's line from their posts, satisfied answers and deals inside the period."""
    return Line(
        person=person,
        positive_mentions=sum(1 for s in theirs if s.post.positive and not s.post.complaint),
        # A recommendation said in anger ("recomendado... pésimo") is none.
        recommendations=sum(
            1 for s in theirs if s.recommends and not s.post.complaint and s.post.score >= 0
        ),
        complained=person in complained,
        recovered=person in came_back,
        satisfied_answers=len(pleased),
        deals_won=len(deals),
        revenue=round(sum(p.amount or 0.0 for p in deals), 2),
    )


def _by_person(items: Iterable[T], person: Callable[[T], str] = attrgetter("person")
               ) -> dict[str, list[T]]:  # fmt: skip
    """Items under the person behind each, in the order given: one pass, not one per person."""
    found: dict[str, list[T]] = {}
    for item in items:
        found.setdefault(person(item), []).append(item)
    return found


def _weight(line: Line) -> tuple[float, int, int, str]:
    return (line.revenue, line.recommendations, line.positive_mentions, line.person)
