"""When an assignee sits on a waiting customer: requeue the case, then escalate.

Pure calculation. An agent holding a case whose customer waits for an answer has the tenant's
`requeue.after_minutes` business minutes, counted from the later of the assignment and the
customer's message. Past them the case goes back to the queue, to someone else first, at most
`requeue.max_bounces` times a cycle; after that it stays where it is and is escalated once, for
a lead to act on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from escucha.care.sla import Author, Entry
from escucha.core.business_time import add_business_time
from escucha.core.tenant import Tenant


@dataclass(frozen=True)
class Assignment:
    """One assignment decision from the case's log."""

    at: datetime
    agent: str | None
    requeued_from: str | None = None


@dataclass(frozen=True)
class Hold:
    """An assignee's hold on a case whose customer is waiting."""

    agent: str
    since: datetime
    deadline: datetime


@dataclass(frozen=True)
class Requeued:
    agent: str
    bounce: int  # this cycle's how-manieth
    reason: str


@dataclass(frozen=True)
class Escalated:
    """Raised once per hold past the bounce cap: published under its key."""

    key: str
    agent: str
    at: datetime
    reason: str
    kind: str = "case.escalated"

    def fields(self) -> dict[str, str]:
        return {"agent": self.agent, "at": self.at.isoformat(), "reason": self.reason}


def hold(
    tenant: Tenant,
    assignee: str | None,
    log: Sequence[Assignment],
    messages: Sequence[Entry],
    cycle_started_at: datetime,
) -> Hold | None:
    """The assignee's hold, or None when nobody holds the case or nobody waits for an answer."""
    minutes = tenant.requeue.after_minutes
    if assignee is None or not minutes:
        return None  # before reading the conversation: most cases have nobody holding them
    waiting = waiting_since(messages, cycle_started_at)
    if waiting is None:
        return None
    assigned = max((a.at for a in log if a.agent == assignee), default=cycle_started_at)
    since = max(assigned, waiting)
    return Hold(assignee, since, add_business_time(tenant, since, timedelta(minutes=minutes)))


def waiting_since(messages: Sequence[Entry], cycle_started_at: datetime) -> datetime | None:
    """The first customer message of this cycle that no answer of ours has followed."""
    waiting = None
    for message in messages:
        if message.at < cycle_started_at:
            continue
        if message.author is Author.agent:  # an auto-reply answers nobody
            waiting = None
        elif message.author is not Author.customer:
            continue
        elif waiting is None and not message.pleasantry:
            waiting = message.at
    return waiting


def bounced(log: Sequence[Assignment], cycle_started_at: datetime) -> list[str]:
    """The agents this cycle's requeues took the case from, in order."""
    return [a.requeued_from for a in log if a.requeued_from and a.at >= cycle_started_at]


def decide(
    tenant: Tenant,
    case_id: str,
    cycle: int,
    held: Hold,
    bounces: Sequence[str],
    now: datetime,
    name: str,
) -> Requeued | Escalated | None:
    """What a hold past its deadline comes to at `now`; `name` is the assignee's, for people."""
    if now < held.deadline:
        return None
    minutes, cap = tenant.requeue.after_minutes, tenant.requeue.max_bounces
    if len(bounces) < cap:
        bounce = len(bounces) + 1
        return Requeued(held.agent, bounce, f"requeued: {name} did not answer within {minutes} "
                        f"business minutes (requeue {bounce} of {cap})")  # fmt: skip
    key = f"{case_id}:{cycle}:escalated:{held.since.timestamp():.0f}"
    return Escalated(key, held.agent, held.deadline, f"escalated: {name} has not answered in "
                     f"{minutes} business minutes, after {len(bounces)} requeues")  # fmt: skip
