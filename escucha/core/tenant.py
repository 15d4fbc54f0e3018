"""A business escucha listens for: who it is, when it is open, and which accounts are its own.

Read from a TOML file (`escucha tenant import`, see config/tenant.example.toml) or stored in
the `tenants` table. Every field is checked on the way in: an unknown time zone, overlapping
hours or an unknown holiday calendar is refused with where and why.
"""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, field_validator

from escucha.core import holiday_calendar
from escucha.core.business_hours import WeeklyHours
from escucha.core.crisis_policy import CrisisPolicy
from escucha.core.poller_config import FeedPoll, MastodonPoll, Poll, XSearchPoll, channel_name
from escucha.core.sla_policy import DEFAULT_POLICIES, SlaPolicy
from escucha.core.tone_guide import ToneGuide

TENANT_ID = r"^[a-z0-9][a-z0-9_-]{0,31}$"


def _hours(value: Any) -> Any:
    return WeeklyHours.parse(value) if isinstance(value, str) else value


Hours = Annotated[
    WeeklyHours, BeforeValidator(_hours), PlainSerializer(str, return_type=str, when_used="json")
]


class Accounts(BaseModel):
    """The tenant's own accounts: events for them are its, mentions of them are about it."""

    meta_pages: list[str] = []
    instagram_accounts: list[str] = []
    x_user_ids: list[str] = []
    mastodon: list[str] = Field(
        default=[], description='"host" (an instance\'s webhook) or "host/@user" (an account)'
    )
    hubspot_portals: list[str] = Field(
        default=[], description="HubSpot portal (hub) ids whose CRM webhooks are the tenant's"
    )
    salesforce_orgs: list[str] = Field(default=[], description="Salesforce org ids")
    crm_webhooks: list[str] = Field(
        default=[], description='signed webhooks to any other CRM, as "<tenant>/<name>"'
    )

    def keys(self) -> list[str]:
        """Each account as the webhooks name it: 'meta:<id>', 'x:<user id>', 'mastodon:<host>'."""
        return [account_key(field, value) for field in ACCOUNT_PLATFORM
                for value in getattr(self, field)]  # fmt: skip


# Which platform's webhooks name the accounts of each field ('meta:<page or IG account id>').
ACCOUNT_PLATFORM = {"meta_pages": "meta", "instagram_accounts": "meta", "x_user_ids": "x",
                    "mastodon": "mastodon", "hubspot_portals": "hubspot",
                    "salesforce_orgs": "salesforce", "crm_webhooks": "webhook"}  # fmt: skip


def account_key(field: str, value: str) -> str:
    return f"{ACCOUNT_PLATFORM[field]}:{value}"


class Limits(BaseModel):
    """How much of the shared pipeline one tenant may take; unset means the installation's."""

    requests_per_minute: int | None = Field(
        default=None, ge=1, description="API pushes per minute (ESCUCHA_RATE_LIMIT_PER_MINUTE)"
    )
    in_flight: int | None = Field(
        default=None,
        ge=1,
        description="mentions accepted and not yet stored; past it pushes get 429 "
        "(default: half of ESCUCHA_INGEST_HIGH_WATER)",
    )


class Requeue(BaseModel, frozen=True):
    """How long an assignee may sit on a waiting customer before the case moves on."""

    after_minutes: int = Field(default=60, ge=0, description="business minutes to answer; 0: never")
    max_bounces: int = Field(
        default=2, ge=0, description="requeues per cycle; past them the case is escalated"
    )


MAX_CSAT_WAIT = 1440  # minutes: a day after the resolution at the latest


class Csat(BaseModel, frozen=True):
    """Satisfaction asked in the channel after a resolution, once per case cycle."""

    ask: bool = Field(default=False, description="ask resolved cases' customers to rate us 1-5")
    in_public: bool = Field(
        default=False, description="also under public posts; by default only in direct messages"
    )
    after_minutes: int = Field(
        default=5, ge=0, le=MAX_CSAT_WAIT,
        description="wait this long after the resolution; a reopen before then asks nothing",
    )  # fmt: skip


class WeeklyReport(BaseModel, frozen=True):
    """The report e-mailed every week, for the week just ended, in the tenant's time zone."""

    to: list[str] = Field(default=[], description="addresses; none sends nothing")
    weekday: int = Field(default=0, ge=0, le=6, description="0 is Monday")
    hour: int = Field(default=8, ge=0, le=23, description="local hour it is sent at")

    @field_validator("to")
    @classmethod
    def _addresses(cls, to: list[str]) -> list[str]:
        for address in to:
            name, at, domain = address.partition("@")
            if not (name and at and "." in domain) or any(
                c.isspace() or c in ",;<>" for c in address
            ):
                raise ValueError(f"{address!r} is not one e-mail address")
        return to


class Tenant(BaseModel):
    id: str = Field(default="default", pattern=TENANT_ID)
    name: str = ""
    timezone: str = "UTC"
    languages: list[str] = ["es", "en"]
    brands: list[str] = []
    keywords: list[str] = []
    competitors: list[str] = []
    influencer_followers: int = Field(default=10_000, ge=0)
    hours: Hours = Field(default_factory=WeeklyHours.always)
    holidays: str | None = Field(default=None, description='a calendar such as "ES-MD"')
    closed_dates: list[date] = Field(default=[], description="the business's own closed days")
    accounts: Accounts = Accounts()
    limits: Limits = Limits()
    requeue: Requeue = Requeue()
    crisis: CrisisPolicy = CrisisPolicy()
    csat: Csat = Csat()
    weekly_report: WeeklyReport = WeeklyReport()
    tone: ToneGuide = ToneGuide()
    reopen_window_days: int = Field(
        default=7, ge=0, description="a direct message this long after its case was resolved "
        "reopens it; later, it opens a new case",
    )  # fmt: skip
    sla: tuple[SlaPolicy, ...] = Field(
        default=DEFAULT_POLICIES, description="in match order: a case takes the first that fits"
    )
    feeds: list[FeedPoll] = []
    mastodon: list[MastodonPoll] = []
    x_searches: list[XSearchPoll] = []

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            hint = [z for z in sorted(available_timezones()) if zone.lower() in z.lower()][:5]
            raise ValueError(
                f"{zone!r} is not an IANA time zone" + (f" (did you mean {hint})" if hint else "")
            ) from None
        return zone

    @field_validator("holidays")
    @classmethod
    def _known_calendar(cls, code: str | None) -> str | None:
        return holiday_calendar.validate(code) if code else None

    @property
    def listens_to_everything(self) -> bool:
        """A tenant that names no brand, keyword or account has not said what is about it."""
        return not (self.brands or self.keywords or self.accounts.keys())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def pollers(self) -> list[Poll]:
        return [*self.feeds, *self.mastodon, *self.x_searches]

    def poller(self, name: str) -> Poll:
        """The poller whose channel name ('feed:blog') is `name`."""
        for poll in self.pollers():
            if channel_name(poll) == name:
                return poll
        raise KeyError(f"tenant {self.id!r} has no poller {name!r}")


def read_tenant(path: Path) -> dict[str, Any]:
    """The [tenant] table of a TOML file, unvalidated."""
    with path.open("rb") as handle:
        return dict(tomllib.load(handle).get("tenant", {}))


def load_tenant(path: Path) -> Tenant:
    """Read a tenant TOML file (see config/tenant.example.toml)."""
    return Tenant.model_validate(read_tenant(path))
