"""Keeping stored cases true to their history: project, write back, publish what came due.

`refresh` is what every touch of a case ends with (a mention stored, a reply sent, a status
changed, a clock moment reached); it is idempotent, so running it twice or late is harmless.
People's changes go through here too, checked against the lifecycle before they are logged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from sqlalchemy import Engine

from escucha.care import presence
from escucha.care.assignment import AgentLoad, Decision, agent_of, choose
from escucha.care.casework import (
    CaseMessage,
    Projection,
    SlaEvent,
    project,
    sla_events,
    state_of,
)
from escucha.care.csat import ratings
from escucha.care.lifecycle import LifecycleError, Status, StatusChange, set_status
from escucha.care.requeue import Assignment, Escalated, Hold, Requeued, bounced, decide, hold
from escucha.care.sla import Author
from escucha.core.models import Intent, PriorityLabel, as_utc
from escucha.core.tenant import Tenant
from escucha.nlp.pleasantries import is_pleasantry
from escucha.pipeline import events
from escucha.store.agents import Agents
from escucha.store.cases import PROJECTED, WORKING, Cases, History
from escucha.store.schema import CaseEventRow, CaseRow

Publish = Callable[[str, SlaEvent | Escalated, str], None]  # tenant, event, case id
Presence = Callable[[str], dict[str, datetime]]  # tenant → agent id → last heartbeat


@dataclass(frozen=True)
class Casebook:
    cases: Cases
    tenant_of: Callable[[str], Tenant]
    publish: Publish | None = None
    agents: Agents | None = None
    presence: Presence | None = None

    def refresh(self, case_ids: Iterable[str], now: datetime) -> dict[str, Projection]:
        return {case_id: p for case_id, (_, p) in self._refresh_all(case_ids, now).items()}

    def settle(self, case_ids: Iterable[str], now: datetime, waiting_in: Iterable[str] = ()
               ) -> dict[str, Projection]:  # fmt: skip
        """Refresh the cases, then offer the waiting cases of the tenants whose cases are being
        worked (a new case wants an agent) and of `waiting_in`."""
        done = self._refresh_all(case_ids, now)
        tenants = {t for t, p in done.values() if p.status.value in WORKING} | set(waiting_in)
        for tenant in sorted(tenants):
            self.assign_waiting(tenant, now)
        return {case_id: p for case_id, (_, p) in done.items()}

    def _refresh_all(self, case_ids: Iterable[str], now: datetime
                     ) -> dict[str, tuple[str, Projection]]:  # fmt: skip
        done = {}
        for case_id in sorted(set(case_ids)):
            refreshed = self._refresh(case_id, now)
            if refreshed is not None:
                done[case_id] = refreshed
        return done

    def refresh_one(self, case_id: str, now: datetime) -> Projection | None:
        refreshed = self._refresh(case_id, now)
        return refreshed[1] if refreshed else None

    def _refresh(self, case_id: str, now: datetime) -> tuple[str, Projection] | None:
        """The case's tenant and new projection, written back and its due moments published."""
        history = self.cases.history(case_id)
        if history is None:
            return None
        tenant = self.tenant_of(history.case.tenant)
        said = messages(history)
        projection = self.project(history, now, tenant, said)
        if older(projection.policy, history.case.policy):
            # This process still holds the tenant as it was before an edit: leave the newer
            # projection, and the look the edit scheduled, to a process that has caught up.
            return tenant.id, projection
        values = columns(projection, history)
        held = self._hold(tenant, history, projection, said)
        if held is not None and held.deadline > now:  # look again when the hold runs out
            values["check_at"] = min(m for m in (projection.check_at, held.deadline) if m)
        self.cases.write_projection(case_id, values, now)
        for moved in superseded(history.case, projection):
            self.cases.add_event(tenant.id, case_id, "due_superseded", now, "escucha", **moved)
        if history.case.merged_into is None:
            if self.publish is not None:
                for event in sla_events(case_id, projection, now):
                    self.publish(tenant.id, event, case_id)
            if held is not None and held.deadline <= now:
                self._move_on(tenant, history, projection, held, now)
        return tenant.id, projection

    def _hold(self, tenant: Tenant, history: History, projection: Projection,
              said: Sequence[CaseMessage]) -> Hold | None:  # fmt: skip
        if projection.status not in (Status.new, Status.open):
            return None
        return hold(tenant, history.case.assignee, assignments(history.events), said,
                    projection.cycle_started_at)  # fmt: skip

    def _move_on(self, tenant: Tenant, history: History, projection: Projection, held: Hold,
                 now: datetime) -> None:  # fmt: skip
        """Requeue a case its assignee sat on, or past the bounce cap escalate it once."""
        case_id, log = history.case.id, assignments(history.events)
        record = self.agents.get(tenant.id, held.agent) if self.agents else None
        outcome = decide(tenant, case_id, projection.cycle, held,
                         bounced(log, projection.cycle_started_at), now,
                         record.name if record else held.agent)  # fmt: skip
        if isinstance(outcome, Requeued):
            if self.cases.release(tenant.id, case_id, held.agent, now):
                self.cases.add_event(tenant.id, case_id, "assignment", now, "escucha", agent=None,
                                     reason=outcome.reason, requeued_from=held.agent)  # fmt: skip
        elif isinstance(outcome, Escalated):
            logged = {e.data.get("key") for e in history.events if e.kind == "escalated"}
            if outcome.key not in logged:
                self.cases.add_event(tenant.id, case_id, "escalated", now, "escucha",
                                     key=outcome.key, agent=held.agent,
                                     reason=outcome.reason)  # fmt: skip
            if self.publish is not None:
                self.publish(tenant.id, outcome, case_id)

    def project(self, history: History, now: datetime, tenant: Tenant,
                said: Sequence[CaseMessage]) -> Projection:  # fmt: skip
        opened = as_utc(history.case.opened_at)
        return project(tenant, history.case.source, opened, said, changes(history), now,
                       language_of(tenant))  # fmt: skip

    def change_status(self, tenant: str, case_id: str, wanted: Status, actor: str,
                      now: datetime) -> Projection:  # fmt: skip
        """Log a person's change of status after the lifecycle allows it; LifecycleError says
        why it cannot be made, KeyError that there is no such case."""
        history = self._history(tenant, case_id)
        state = state_of(as_utc(history.case.opened_at), messages(history), changes(history), now)
        set_status(state, wanted, now)  # raises LifecycleError when not allowed
        self.cases.add_event(tenant, case_id, "status", now, actor, status=wanted.value)
        projection = self.refresh_one(case_id, now)
        assert projection is not None
        return projection

    def merge(self, tenant: str, survivor: str, merged: str, actor: str, now: datetime) -> None:
        """Fold `merged` into `survivor` (the person merging chooses which survives); soft."""
        if survivor == merged:
            raise LifecycleError("a case cannot be merged into itself")
        self._case(tenant, survivor)
        folded = self._case(tenant, merged)
        if folded.merged_into is not None:
            raise LifecycleError(f"case {merged!r} is already merged into "
                                 f"{folded.merged_into!r}")  # fmt: skip
        self.cases.set_merged(tenant, merged, survivor, now)
        for case_id in (survivor, merged):
            self.cases.add_event(tenant, case_id, "merged", now, actor,
                                 survivor=survivor, merged=merged)  # fmt: skip
        self.refresh([survivor, merged], now)

    def unmerge(self, tenant: str, merged: str, actor: str, now: datetime) -> str:
        """Take a merged case back out; the survivor it left, for the caller to show."""
        survivor = self._case(tenant, merged).merged_into
        if survivor is None:
            raise LifecycleError(f"case {merged!r} is not merged")
        self.cases.set_merged(tenant, merged, None, now)
        for case_id in (survivor, merged):
            self.cases.add_event(tenant, case_id, "unmerged", now, actor,
                                 survivor=survivor, merged=merged)  # fmt: skip
        self.refresh([survivor, merged], now)
        return survivor

    def assign(self, tenant: str, case_id: str, agent: str | None, actor: str,
               now: datetime) -> None:  # fmt: skip
        """A person gives the case to an agent (None: back to the queue), whatever their load."""
        self._case(tenant, case_id)
        if agent is not None and (self.agents is None or self.agents.get(tenant, agent) is None):
            raise KeyError(agent)
        self.cases.assign(tenant, case_id, agent, now)
        reason = f"assigned by {actor}" if agent else f"returned to the queue by {actor}"
        self.cases.add_event(tenant, case_id, "assignment", now, actor, agent=agent,
                             reason=reason)  # fmt: skip

    def assign_waiting(self, tenant_id: str, now: datetime) -> list[tuple[str, Decision]]:
        """Offer each unassigned case, most urgent first, to the agent the policy chooses."""
        if self.agents is None:
            return []
        records = self.agents.of_tenant(tenant_id)
        if not records:
            return []
        tenant = self.tenant_of(tenant_id)
        seen = self.presence(tenant_id) if self.presence else {}
        capacity = {r.id: r.capacity for r in records}
        policy_view = [agent_of(r) for r in records]  # shifts parsed once, not once per case
        loads = self.cases.loads(tenant_id)
        decisions = []
        for case in self.cases.unassigned(tenant_id):
            log = self.cases.events(case.id)
            cycle_started = as_utc(case.cycle_started_at or case.opened_at)
            avoid = frozenset(bounced(assignments(log), cycle_started))
            offered = [AgentLoad(a, loads.get(a.id, 0), seen.get(a.id)) for a in policy_view]
            decision = choose(tenant, offered, case.language or language_of(tenant), now,
                              avoid=avoid)  # fmt: skip
            if decision.agent is not None:
                if self.cases.take(tenant_id, case.id, decision.agent, capacity[decision.agent],
                                   now):  # fmt: skip
                    loads[decision.agent] = loads.get(decision.agent, 0) + 1
                else:  # another assigner got there first: see the loads as they now are
                    loads = self.cases.loads(tenant_id)
                    decision = Decision(None, "unassigned: another assigner took the place first")
            self._log_decision(tenant_id, case.id, decision, log, now)
            decisions.append((case.id, decision))
        return decisions

    def _log_decision(self, tenant: str, case_id: str, decision: Decision,
                      log: list[CaseEventRow], now: datetime) -> None:  # fmt: skip
        """Log a decision unless it repeats the last one (a waiting case is offered each sweep)."""
        last = next((e for e in reversed(log) if e.kind == "assignment"), None)
        if last is not None and last.data == {"agent": decision.agent, "reason": decision.reason}:
            return
        self.cases.add_event(tenant, case_id, "assignment", now, "escucha",
                             agent=decision.agent, reason=decision.reason)  # fmt: skip

    def _case(self, tenant: str, case_id: str) -> CaseRow:
        row = self.cases.get(tenant, case_id)
        if row is None:
            raise KeyError(case_id)
        return row

    def _history(self, tenant: str, case_id: str) -> History:
        history = self.cases.history(case_id)
        if history is None or history.case.tenant != tenant:
            raise KeyError(case_id)
        return history


def on_redis(engine: Engine, tenant_of: Callable[[str], Tenant], client: redis.Redis
              ) -> Casebook:  # fmt: skip
    """A casebook over the store, publishing SLA moments to the tenants' streams and reading
    agents' presence from their heartbeats."""

    def publish(tenant: str, event: SlaEvent | Escalated, case_id: str) -> None:
        events.publish_once(client, tenant, event.key, event.kind, case_id=case_id,
                            **event.fields())  # fmt: skip

    return Casebook(Cases(engine), tenant_of, publish, Agents(engine),
                    lambda tenant: presence.last_seen(client, tenant))  # fmt: skip


def messages(history: History) -> list[CaseMessage]:
    """The case's messages as the projection reads them: customers', ours, in time order."""
    found = []
    answers = {r.mention_id for r in ratings(history)}  # a rating reopens nothing either
    for mention in history.mentions:
        if mention.inbound:
            found.append(CaseMessage(
                at=as_utc(mention.created_at), author=Author.customer,
                pleasantry=mention.id in answers or is_pleasantry(mention.text),
                priority=PriorityLabel(mention.priority_label), intent=Intent(mention.intent),
            ))  # fmt: skip
        else:  # the business answered on the platform itself
            found.append(CaseMessage(at=as_utc(mention.created_at), author=Author.agent))
    for reply in history.replies:
        if reply.sent_at is not None:
            found.append(CaseMessage(at=as_utc(reply.sent_at), author=Author(reply.author),
                                     public=not reply.private))  # fmt: skip
    return sorted(found, key=lambda m: m.at)


def older(projected: str | None, stored: str | None) -> bool:
    """Whether `projected` ('quejas@v1') is an earlier version of the policy `stored` names."""
    if not projected or not stored:
        return False
    name, _, version = projected.rpartition("@v")
    stored_name, _, stored_version = stored.rpartition("@v")
    return (
        name == stored_name
        and version.isdigit()
        and stored_version.isdigit()
        and (int(version) < int(stored_version))
    )


def superseded(case: CaseRow, projection: Projection) -> list[dict[str, Any]]:
    """The running due times a new policy moved, each with what it was and under which rules,
    so the change of rules is on the case rather than silently rewritten."""
    if case.policy is None or projection.policy == case.policy:
        return []
    before = {(t["target"], datetime.fromisoformat(t["started_at"])): t for t in case.sla or []}
    moved = []
    for target in projection.targets:
        old = before.get((target.target, target.started_at))
        if old is None or old["met_at"] or old["due_at"] is None or target.due_at is None:
            continue
        if datetime.fromisoformat(old["due_at"]) != target.due_at:
            moved.append({
                "target": target.target, "was": old["due_at"], "now": target.due_at.isoformat(),
                "policy_was": case.policy, "policy": projection.policy,
                "explanation": target.explanation,
            })  # fmt: skip
    return moved


def assignments(log: Iterable[CaseEventRow]) -> list[Assignment]:
    return [Assignment(as_utc(e.at), e.data.get("agent"), e.data.get("requeued_from"))
            for e in log if e.kind == "assignment"]  # fmt: skip


def changes(history: History) -> list[StatusChange]:
    return [StatusChange(as_utc(e.at), Status(e.data["status"])) for e in history.events
            if e.kind == "status"]  # fmt: skip


def language_of(tenant: Tenant) -> str:
    """The tenant's first language that explanations are written in."""
    return next((lang for lang in tenant.languages if lang in ("es", "en")), "en")


def columns(projection: Projection, history: History) -> dict[str, Any]:
    """The projection as the cases table holds it."""
    latest = next((m for m in reversed(history.mentions) if m.inbound), None)
    values = {
        "status": projection.status.value,
        "cycle": projection.cycle,
        "cycle_started_at": projection.cycle_started_at,
        "resolved_at": projection.resolved_at,
        "priority_label": projection.priority.value,
        "intent": projection.intent.value,
        "policy": projection.policy,
        "sla": [t.model_dump(mode="json") for t in projection.targets],
        "sla_state": projection.sla_state,
        "next_due_at": projection.next_due_at,
        "check_at": projection.check_at,
        "language": latest.lang if latest else None,
    }
    assert set(values) == set(PROJECTED)
    return values
