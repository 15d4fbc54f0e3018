"""How a tenant wants crises watched: how rare is rare, how long an incident lasts, who hears.

Detection is calculation, in `escucha.insight`; this is the part a tenant writes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer

from escucha.core.business_hours import WeeklyHours


def _hours(value: Any) -> Any:
    return WeeklyHours.parse(value) if isinstance(value, str) else value


Shift = Annotated[
    WeeklyHours, BeforeValidator(_hours), PlainSerializer(str, return_type=str, when_used="json")
]


class LadderStep(BaseModel, frozen=True):
    """Alert these destinations when the incident is unacknowledged this long after opening."""

    after_minutes: int = Field(ge=0)
    destinations: tuple[str, ...] = Field(min_length=1, description="alert destination names")
    hours: Shift | None = Field(
        default=None,
        description='the shift this step covers ("mon-fri 09:00-18:00"); '
        "outside it the step is skipped and the next one alerted",
    )

    def on_shift(self, moment: datetime, zone: ZoneInfo) -> bool:
        return self.hours is None or self.hours.open_at(moment.astimezone(zone))


class CrisisPolicy(BaseModel, frozen=True):
    alpha: float = Field(
        default=0.01, gt=0, lt=0.5, description="tail probability per day of windows"
    )
    cusum_threshold: float = Field(
        default=16.0, gt=0, description="log-likelihood ratio at which a slow build alarms"
    )
    share_strength: float = Field(
        default=100.0, gt=0, description="weight of the usual negative share, in mentions"
    )
    cooldown_hours: float = Field(
        default=6.0, gt=0, description="an incident closes this long after its last signal"
    )
    subsiding_minutes: int = Field(
        default=60, ge=1, description="an incident with no signal this long is subsiding"
    )
    media_authors: tuple[str, ...] = Field(
        default=(), description="handles of media outlets and journalists, without @"
    )
    severity_terms: tuple[str, ...] = Field(
        default=(), description="words that alarm by themselves, beside the built-in lexicon"
    )
    ladder: tuple[LadderStep, ...] = Field(
        default=(), description="who is alerted, and after how long without acknowledgement"
    )
