"""A case's lifecycle as a pure state machine: new → open → waiting_on_customer → resolved →
closed (after N quiet days).

A customer's message reopens a resolved or closed case as a new cycle, unless it is only a
closing pleasantry ("gracias", "👍"), which is recorded and changes nothing. Time spent waiting
on the customer is kept as pause intervals, which the SLA clocks leave out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from escucha.care.sla import Author, Entry, Pause


class Status(StrEnum):
    new = "new"  # no answer yet
    open = "open"
    waiting_on_customer = "waiting_on_customer"
    resolved = "resolved"
    closed = "closed"


class LifecycleError(ValueError):
    """A change a case cannot make from where it is, with the reason."""


@dataclass(frozen=True)
class CaseState:
    status: Status
    cycle: int
    cycle_started_at: datetime
    resolved_at: datetime | None = None
    pauses: tuple[Pause, ...] = ()  # this cycle's waits on the customer

    @classmethod
    def opened(cls, at: datetime) -> CaseState:
        return cls(Status.new, 1, at)


def customer_wrote(state: CaseState, at: datetime, pleasantry: bool = False) -> CaseState:
    if state.status in (Status.resolved, Status.closed):
        if pleasantry:
            return state  # "gracias" after a resolution: recorded on the case, nothing reopens
        return CaseState(Status.open, state.cycle + 1, at)
    if state.status is Status.waiting_on_customer and not pleasantry:
        return replace(state, status=Status.open, pauses=_resume(state.pauses, at))
    return state


def agent_replied(state: CaseState, at: datetime) -> CaseState:
    if state.status is Status.new:
        return replace(state, status=Status.open)
    return state


def set_status(state: CaseState, wanted: Status, at: datetime) -> CaseState:
    """An agent's or a rule's change of status."""
    current = state.status
    if wanted is current:
        return state
    if wanted is Status.new or (wanted is Status.closed and current is not Status.resolved):
        raise LifecycleError(f"a case cannot go from {current} to {wanted}")
    if current is Status.closed:
        raise LifecycleError(
            "a closed case stays closed; the customer's next message opens a new cycle"
        )
    pauses = state.pauses
    if current is Status.waiting_on_customer:
        pauses = _resume(pauses, at)
    if wanted is Status.waiting_on_customer:
        return replace(state, status=wanted, pauses=(*pauses, (at, None)))
    if wanted is Status.resolved:
        return replace(state, status=wanted, resolved_at=at, pauses=pauses)
    if current is Status.resolved:  # reopened by hand: the same cycle goes on
        return replace(state, status=wanted, resolved_at=None, pauses=pauses)
    return replace(state, status=wanted, pauses=pauses)


def close_if_quiet(state: CaseState, now: datetime, quiet: timedelta) -> CaseState:
    """A resolved case nobody wrote to for `quiet` is closed."""
    if state.status is Status.resolved and state.resolved_at and now - state.resolved_at >= quiet:
        return replace(state, status=Status.closed)
    return state


def _resume(pauses: tuple[Pause, ...], at: datetime) -> tuple[Pause, ...]:
    if pauses and pauses[-1][1] is None:
        return (*pauses[:-1], (pauses[-1][0], at))
    return pauses


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    status: Status


def replay(
    opened_at: datetime,
    messages: Sequence[Entry],
    changes: list[StatusChange],
    now: datetime,
    quiet: timedelta = timedelta(days=7),
) -> CaseState:
    """The case's state from its messages and status changes, in time order.

    A fold, never a counter: replaying the same history gives the same state, so a redelivered
    message or a re-run job cannot move a case twice. Changes that cannot apply are skipped
    (they were refused when made).
    """
    *_, last = _fold(opened_at, messages, changes, now, quiet)
    return last


@dataclass(frozen=True)
class Cycle:
    """One cycle of a case, as its history left it: a reopen ends it and starts the next."""

    number: int
    started_at: datetime
    ended_at: datetime | None  # when the next cycle began; None for the current one
    resolved_at: datetime | None
    pauses: tuple[Pause, ...]


def cycles(
    opened_at: datetime,
    messages: Sequence[Entry],
    changes: list[StatusChange],
    now: datetime,
    quiet: timedelta = timedelta(days=7),
) -> list[Cycle]:
    """Every cycle of the case, oldest first, each with how it ended."""
    found: list[Cycle] = []
    last = CaseState.opened(opened_at)
    for state in _fold(opened_at, messages, changes, now, quiet):
        if state.cycle != last.cycle:
            found.append(_cycle(last, state.cycle_started_at))
        last = state
    return [*found, _cycle(last, None)]


def _cycle(state: CaseState, ended_at: datetime | None) -> Cycle:
    return Cycle(state.cycle, state.cycle_started_at, ended_at, state.resolved_at, state.pauses)


def _fold(
    opened_at: datetime,
    messages: Sequence[Entry],
    changes: list[StatusChange],
    now: datetime,
    quiet: timedelta,
) -> Iterator[CaseState]:
    """The case's state after each event of its history, in time order, then as of `now`."""
    events: list[tuple[datetime, int, Entry | StatusChange]] = [
        *((m.at, 0, m) for m in messages),
        *((c.at, 1, c) for c in changes),
    ]
    state = CaseState.opened(opened_at)
    for at, _, event in sorted(events, key=lambda e: (e[0], e[1])):
        state = close_if_quiet(state, at, quiet)
        if isinstance(event, StatusChange):
            try:
                state = set_status(state, event.status, at)
            except LifecycleError:
                continue
        elif event.author is Author.customer:
            state = customer_wrote(state, at, event.pleasantry)
        elif event.author is Author.agent:
            state = agent_replied(state, at)
        yield state
    yield close_if_quiet(state, now, quiet)
