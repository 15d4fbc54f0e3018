"""An SLA clock as the inbox shows it: the counted time left on a case's soonest running target.

Pure calculation on the targets a case's projection stored (`TargetView`s) and an explicit
`now`: a business clock's time left counts only the tenant's open hours (its zone, minus
holidays), so a case due on Monday morning shows minutes, not a weekend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from escucha.care.casework import TargetView
from escucha.core.business_time import business_seconds, is_open
from escucha.core.sla_policy import Clock
from escucha.core.tenant import Tenant

ON_TRACK, WARNING, BREACHED = "on_track", "warning", "breached"


@dataclass(frozen=True)
class Countdown:
    target: str  # first_response, next_response, resolution
    clock: str  # business or calendar
    due_at: datetime
    seconds: float  # counted time left; negative once overdue, by the counted time since
    state: str  # the worst of the running targets: on_track, warning or breached
    counting: bool  # whether the clock runs now (a business clock stops while closed)


def countdown(tenant: Tenant, targets: Iterable[Mapping[str, Any] | TargetView], now: datetime
              ) -> Countdown | None:  # fmt: skip
    """The soonest unmet due time's countdown; None when no target is running with a due time
    (all met, none yet, or paused waiting on the customer)."""
    running = [t for t in map(_view, targets) if t.met_at is None and t.due_at is not None]
    if not running:
        return None
    soonest = min(running, key=lambda t: (t.due_at, t.target))
    assert soonest.due_at is not None
    business = soonest.clock == Clock.business.value
    return Countdown(
        target=soonest.target,
        clock=soonest.clock,
        due_at=soonest.due_at,
        seconds=left(tenant, business, soonest.due_at, now),
        state=state_of(running, now),
        counting=is_open(tenant, now) if business else True,
    )


def left(tenant: Tenant, business: bool, due: datetime, now: datetime) -> float:
    """Counted seconds from `now` to `due`; negative (the counted time since) once past."""
    if not business:
        return (due - now).total_seconds()
    return business_seconds(tenant, now, due) - business_seconds(tenant, due, now)


def state_of(running: Sequence[TargetView], now: datetime) -> str:
    """Breached once any due time has come, warning once any warning has, else on track: as of
    `now`, so the colour turns when the moment comes, not when the sweep next writes it."""
    if any(t.breached_at or (t.due_at and t.due_at <= now) for t in running):
        return BREACHED
    if any(w <= now for t in running for w in t.warnings):
        return WARNING
    return ON_TRACK


def _view(target: Mapping[str, Any] | TargetView) -> TargetView:
    return target if isinstance(target, TargetView) else TargetView.model_validate(target)
