"""On-call escalation as pure calculation: which step of the ladder is due now.

Steps are in order, each with a delay from the incident's opening and its destinations, as in
PagerDuty's escalation policies. An acknowledged incident climbs no further. A step whose
shift does not cover the moment is passed over, so the next step on shift is alerted then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from escucha.core.crisis_policy import LadderStep


def first_targets(
    ladder: Sequence[LadderStep], now: datetime, zone: ZoneInfo
) -> tuple[int, tuple[str, ...]]:
    """Who hears of a new incident: the immediate steps on shift. (steps taken, destinations);
    None of the ladder means (0, ()): the caller alerts every destination."""
    taken, names = 0, list[str]()
    for step in ladder:
        if step.after_minutes > 0:
            break
        taken += 1
        if step.on_shift(now, zone):
            names.extend(step.destinations)
    return taken, tuple(dict.fromkeys(names))


def due(
    ladder: Sequence[LadderStep],
    taken: int,
    opened_at: datetime,
    now: datetime,
    zone: ZoneInfo,
) -> tuple[int, tuple[str, ...]]:
    """The steps past `taken` whose delay has passed: (steps taken now, destinations on shift)."""
    names: list[str] = []
    reached = taken
    for step in ladder[taken:]:
        if opened_at + timedelta(minutes=step.after_minutes) > now:
            break
        reached += 1
        if step.on_shift(now, zone):
            names.extend(step.destinations)
    return reached, tuple(dict.fromkeys(names))
