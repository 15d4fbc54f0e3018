"""SLA policies as a tenant writes them: which cases they cover and each target's minutes.

The clocks that run against them are calculation, in `escucha.care.sla`.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, Field

from escucha.core.models import Intent, PriorityLabel


class Clock(StrEnum):
    business = "business"  # the tenant's open hours, minus holidays
    calendar = "calendar"  # every minute


class Target(StrEnum):
    first_response = "first_response"
    next_response = "next_response"
    resolution = "resolution"


class TargetSpec(BaseModel, frozen=True):
    minutes: int = Field(ge=1)
    clock: Clock = Clock.business


class SlaPolicy(BaseModel, frozen=True):
    """One policy; empty match lists match anything."""

    name: str = Field(min_length=1, max_length=100)
    version: int = Field(default=1, ge=1)
    priorities: tuple[PriorityLabel, ...] = ()
    intents: tuple[Intent, ...] = ()
    channels: tuple[str, ...] = ()
    targets: dict[Target, TargetSpec] = Field(default_factory=dict)
    warn_at: tuple[float, ...] = Field(default=(0.5, 0.8), description="fractions of a target")
    counts_private_replies: bool = False
    counts_automated_replies: bool = False

    @property
    def label(self) -> str:
        return f"{self.name}@v{self.version}"

    def matches(self, priority: PriorityLabel, intent: Intent, channel: str) -> bool:
        return (
            (not self.priorities or priority in self.priorities)
            and (not self.intents or intent in self.intents)
            and (not self.channels or channel in self.channels)
        )


def choose_policy(
    policies: Sequence[SlaPolicy], priority: PriorityLabel, intent: Intent, channel: str
) -> SlaPolicy | None:
    """The first policy, in the tenant's order, that matches the case."""
    return next((p for p in policies if p.matches(priority, intent, channel)), None)


def versioned(before: Sequence[SlaPolicy], after: Sequence[SlaPolicy]) -> tuple[SlaPolicy, ...]:
    """`after`, each policy whose rules changed numbered one past the one of that name it
    replaces, so a case shows which rules its due times came from; unchanged ones keep theirs."""
    prior = {policy.name: policy for policy in before}
    numbered = []
    for policy in after:
        old = prior.get(policy.name)
        if old is not None:
            edited = _rules(policy) != _rules(old)
            version = max(policy.version, old.version + 1 if edited else old.version)
            policy = policy.model_copy(update={"version": version})
        numbered.append(policy)
    return tuple(numbered)


def _rules(policy: SlaPolicy) -> dict[str, object]:
    return policy.model_dump(mode="json", exclude={"version"})


def _minutes(first: int, next_: int, resolution: int, resolution_clock: Clock
             ) -> dict[Target, TargetSpec]:  # fmt: skip
    return {
        Target.first_response: TargetSpec(minutes=first),
        Target.next_response: TargetSpec(minutes=next_),
        Target.resolution: TargetSpec(minutes=resolution, clock=resolution_clock),
    }


# The material's rule is an answer within 24-48 hours; urgent work gets an hour of open time.
DEFAULT_POLICIES = (
    SlaPolicy(name="urgent", priorities=(PriorityLabel.urgent, PriorityLabel.high),
              targets=_minutes(60, 120, 8 * 60, Clock.business)),
    SlaPolicy(name="standard", targets=_minutes(4 * 60, 4 * 60, 48 * 60, Clock.calendar)),
)  # fmt: skip
