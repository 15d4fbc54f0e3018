"""A case's state as a projection of its history: messages, replies and people's changes.

Pure calculation. The lifecycle folds the history into status and cycle; the SLA clocks run on
the current cycle under the policy the case matches; the result says when something will next
happen to the case (a warning, a due time, a quiet close), so a sweep knows when to look again.
Projecting the same history twice gives the same answer, so a redelivery changes nothing, and
a changed policy or changed hours re-project every running clock: time used stays, time left
counts against the new rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel

from escucha.care.lifecycle import CaseState, Cycle, Status, StatusChange, replay
from escucha.care.sla import (
    Author,
    Entry,
    Outcome,
    TargetState,
    Timeline,
    clocks,
    explain,
    outcomes,
)
from escucha.core.models import Intent, PriorityLabel
from escucha.core.sla_policy import SlaPolicy, choose_policy
from escucha.core.tenant import Tenant

QUIET = timedelta(days=7)  # a resolved case nobody writes to for this long is closed
RANK = {label: rank for rank, label in enumerate(PriorityLabel)}  # urgent first


class CaseMessage(Entry, frozen=True):
    """One message on a case, with what choosing a policy needs from a customer's."""

    priority: PriorityLabel = PriorityLabel.low
    intent: Intent = Intent.other


class TargetView(BaseModel, frozen=True):
    """One SLA target of the current cycle, as the API and the inbox show it."""

    target: str
    clock: str
    minutes: int
    started_at: datetime
    due_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    business_minutes_used: float
    warn_at: tuple[float, ...]  # the fractions the warnings stand for, in order
    warnings: tuple[datetime, ...]
    explanation: str | None  # "vence el lunes 30 a las 9:30: 30 min hábiles desde ..."


class Projection(BaseModel, frozen=True):
    status: Status
    cycle: int
    cycle_started_at: datetime
    resolved_at: datetime | None
    priority: PriorityLabel
    intent: Intent
    policy: str | None  # 'standard@v1'
    targets: tuple[TargetView, ...]
    sla_state: str | None  # on_track, warning, breached, met; None without a running target
    next_due_at: datetime | None  # the soonest unmet due time
    check_at: datetime | None  # when the projection next changes by the clock alone


def project(
    tenant: Tenant,
    channel: str,
    opened_at: datetime,
    messages: Sequence[CaseMessage],
    changes: Sequence[StatusChange],
    now: datetime,
    language: str = "es",
) -> Projection:
    state = state_of(opened_at, messages, changes, now)
    cycle = [m for m in messages if m.at >= state.cycle_started_at]
    priority, intent = _weightiest(cycle)
    policy = choose_policy(tenant.sla, priority, intent, channel)
    targets = _targets(tenant, policy, state, cycle, now, language) if policy else ()
    return Projection(
        status=state.status,
        cycle=state.cycle,
        cycle_started_at=state.cycle_started_at,
        resolved_at=state.resolved_at,
        priority=priority,
        intent=intent,
        policy=policy.label if policy else None,
        targets=targets,
        sla_state=sla_state(targets, now, state.resolved_at is not None),
        next_due_at=min((t.due_at for t in targets if t.due_at and not t.met_at), default=None),
        check_at=_next_moment(state, targets, now),
    )


def state_of(
    opened_at: datetime,
    messages: Sequence[CaseMessage],
    changes: Sequence[StatusChange],
    now: datetime,
) -> CaseState:
    """The lifecycle's fold of the history: status, cycle, pauses."""
    return replay(opened_at, messages, list(changes), now, QUIET)


def _weightiest(messages: Sequence[CaseMessage]) -> tuple[PriorityLabel, Intent]:
    """The cycle's most urgent customer message decides its policy."""
    customer = [m for m in messages if m.author is Author.customer and not m.pleasantry]
    if not customer:
        return PriorityLabel.low, Intent.other
    top = min(customer, key=lambda m: (RANK[m.priority], m.at))
    return top.priority, top.intent


def _targets(
    tenant: Tenant,
    policy: SlaPolicy,
    state: CaseState,
    cycle: Sequence[CaseMessage],
    now: datetime,
    language: str,
) -> tuple[TargetView, ...]:
    timeline = Timeline(
        entries=tuple(cycle),
        pauses=state.pauses,
        resolved_at=state.resolved_at,
    )
    # A resolved cycle's clocks stop where it was resolved: nothing breaches after that.
    as_of = min(now, state.resolved_at) if state.resolved_at else now
    states = clocks(tenant, policy, timeline, as_of)
    return tuple(_view(tenant, policy, state, language) for state in states)


def cycle_clocks(
    tenant: Tenant,
    channel: str,
    cycle: Cycle,
    messages: Sequence[CaseMessage],
    now: datetime,
) -> tuple[SlaPolicy | None, list[TargetState]]:
    """The SLA targets of any cycle, past or current, under the policy it matches today."""
    policy, timeline, as_of = _cycle_timeline(tenant, channel, cycle, messages, now)
    return policy, clocks(tenant, policy, timeline, as_of) if policy is not None else []


def cycle_outcomes(
    tenant: Tenant,
    channel: str,
    cycle: Cycle,
    messages: Sequence[CaseMessage],
    now: datetime,
) -> list[Outcome]:
    """How `cycle_clocks`' targets ended (met, breached), without what only a live case shows."""
    policy, timeline, as_of = _cycle_timeline(tenant, channel, cycle, messages, now)
    return outcomes(tenant, policy, timeline, as_of) if policy is not None else []


def _cycle_timeline(
    tenant: Tenant,
    channel: str,
    cycle: Cycle,
    messages: Sequence[CaseMessage],
    now: datetime,
) -> tuple[SlaPolicy | None, Timeline, datetime]:
    """A cycle's policy, its messages and pauses, and the moment its clocks stop."""
    own = [m for m in messages if m.at >= cycle.started_at
           and (cycle.ended_at is None or m.at < cycle.ended_at)]  # fmt: skip
    priority, intent = _weightiest(own)
    policy = choose_policy(tenant.sla, priority, intent, channel)
    timeline = Timeline(entries=tuple(own), pauses=cycle.pauses, resolved_at=cycle.resolved_at)
    return policy, timeline, min(now, cycle.resolved_at) if cycle.resolved_at else now


def _view(tenant: Tenant, policy: SlaPolicy, state: TargetState, language: str) -> TargetView:
    spec = policy.targets[state.target]
    return TargetView(
        target=state.target.value,
        clock=spec.clock.value,
        minutes=spec.minutes,
        started_at=state.started_at,
        due_at=state.due_at,
        met_at=state.met_at,
        breached_at=state.breached_at,
        business_minutes_used=round(state.used_minutes, 2),
        warn_at=policy.warn_at,
        warnings=state.warnings,
        explanation=explain(tenant, spec, state.started_at, state.due_at, language)
        if state.due_at
        else None,
    )


def sla_state(targets: Sequence[TargetView], now: datetime, resolved: bool) -> str | None:
    """The worst of the running targets: breached, then warning, then on_track; met when all are
    (or when the cycle was resolved with none breached)."""
    if not targets:
        return None
    running = [t for t in targets if t.met_at is None]
    if resolved:
        return "breached" if any(t.breached_at for t in targets) else "met"
    if not running:
        return "met"
    if any(t.breached_at for t in running):
        return "breached"
    if any(w <= now for t in running for w in t.warnings):
        return "warning"
    return "on_track"


def _next_moment(state: CaseState, targets: Sequence[TargetView], now: datetime) -> datetime | None:
    moments = [
        moment
        for t in targets
        if t.met_at is None and state.resolved_at is None
        for moment in (*t.warnings, *([t.due_at] if t.due_at else []))
        if moment > now
    ]
    if state.status is Status.resolved and state.resolved_at:
        moments.append(state.resolved_at + QUIET)
    return min(moments, default=None)


@dataclass(frozen=True)
class SlaEvent:
    """An SLA moment that has come: published once, under its key."""

    key: str  # case, cycle, target, clock start and kind: a re-projection cannot repeat it
    kind: str  # sla.warning, sla.breached, sla.met
    target: str
    at: datetime
    fraction: float | None = None

    def fields(self) -> dict[str, str]:
        """What the tenant's stream carries besides the kind and the case."""
        return {"target": self.target, "at": self.at.isoformat()}


def sla_events(case_id: str, projection: Projection, now: datetime) -> list[SlaEvent]:
    """Every moment of the current cycle that has come by `now`, each under a stable key."""
    events = []
    for t in projection.targets:
        stem = f"{case_id}:{projection.cycle}:{t.target}:{t.started_at.timestamp():.0f}"
        for fraction, moment in zip(t.warn_at, t.warnings, strict=False):
            if moment <= now and (t.met_at is None or t.met_at > moment):
                events.append(SlaEvent(f"{stem}:warning:{fraction}", "sla.warning", t.target,
                                       moment, fraction))  # fmt: skip
        if t.breached_at and t.breached_at <= now:
            events.append(SlaEvent(f"{stem}:breached", "sla.breached", t.target, t.breached_at))
        if t.met_at and t.met_at <= now:
            events.append(SlaEvent(f"{stem}:met", "sla.met", t.target, t.met_at))
    return events
