"""What a period's report says, gathered from the store: every figure with the counts behind it.

Volume and sentiment by local day, share of voice against the tenant's competitors (and its
sentiment-net form), the care figures, complaint recovery, the fans-to-customers funnel, the
top topics and the incidents. Charts and pages are drawn from this, never from the store.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from escucha.care.care_history import (
    Posts,
    RecoverySources,
    care_metrics,
    comeback_end,
    comebacks,
    complaint_recovery,
    ror_ledger,
)
from escucha.care.care_metrics import CareMetrics
from escucha.care.recovery import WINDOW, Recovery
from escucha.care.ror import Ledger
from escucha.core.models import as_utc
from escucha.core.period import Period
from escucha.core.tenant import Tenant
from escucha.insight.topics import ALL, NEGATIVE
from escucha.store.cases import Cases
from escucha.store.contacts import Contacts
from escucha.store.crm_outbox import Conversions
from escucha.store.incidents import Incidents
from escucha.store.schema import MentionRow


@dataclass(frozen=True)
class DayVolume:
    day: date  # in the tenant's zone
    positive: int
    neutral: int
    negative: int

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative


@dataclass(frozen=True)
class Voice:
    """One name people talk about: the tenant or a competitor."""

    name: str
    own: bool
    mentions: int
    positive: int
    negative: int

    @property
    def net(self) -> float | None:
        """Sentiment-net: (positive − negative) / mentions."""
        return (self.positive - self.negative) / self.mentions if self.mentions else None


@dataclass(frozen=True)
class Funnel:
    """Fans to customers on one channel: purchase-intent mentions, their people, and how many
    of those people bought (a deal won in the CRM) within 60 days."""

    channel: str
    leads: int
    people: int
    customers: int


@dataclass(frozen=True)
class IncidentLine:
    opened_at: datetime
    topic: str
    status: str
    observed: int


@dataclass(frozen=True)
class Report:
    tenant: Tenant
    period: Period
    generated_at: datetime
    days: list[DayVolume]
    voices: list[Voice]
    care: CareMetrics
    recovery: Recovery
    ledger: Ledger  # return on relationship in its parts
    funnels: list[Funnel]
    topics: list[tuple[str, int]]
    incidents: list[IncidentLine]
    posts: list[MentionRow]  # the period's customer posts, for the export

    @property
    def mentions(self) -> int:
        return sum(d.total for d in self.days)


def build_report(engine: Engine, tenant: Tenant, period: Period, now: datetime) -> Report:
    contacts, conversions = Contacts(engine), Conversions(engine)
    sources = RecoverySources.on(engine)
    reach = comeback_end(period.until, now)
    # One read of the posts serves the report and its comebacks: the longer span, cut for each.
    read = contacts.posts(tenant.id, period.since, max(period.until, reach))
    posts = before(read, period.until)
    comeback = comebacks(sources, tenant.id, period.since, reach, before(read, reach))
    rows = [row for _, row in posts]
    return Report(
        tenant=tenant,
        period=period,
        generated_at=now,
        days=volume_by_day(rows, tenant, period),
        voices=share_of_voice(rows, tenant),
        care=care_metrics(Cases(engine), tenant, period.since, period.until, now),
        recovery=complaint_recovery(sources, tenant.id, period.since, period.until, now, comeback),
        ledger=ror_ledger(sources, tenant.id, period.since, period.until, now, comeback),
        funnels=funnels(posts, contacts, conversions, tenant.id, period, now),
        topics=top_topics(rows),
        incidents=incidents_in(Incidents(engine), tenant.id, period),
        posts=rows,
    )


def before(posts: Posts, end: datetime) -> Posts:
    """The posts (in time order, as `Contacts.posts` gives them) written before `end`."""
    return [(person, row) for person, row in posts if as_utc(row.created_at) < end]


def volume_by_day(rows: list[MentionRow], tenant: Tenant, period: Period) -> list[DayVolume]:
    counts: dict[date, Counter[str]] = {}
    day = period.since.astimezone(tenant.zone).date()
    last = (period.until - timedelta(microseconds=1)).astimezone(tenant.zone).date()
    while day <= last:
        counts[day] = Counter()
        day += timedelta(days=1)
    for row in rows:
        local = as_utc(row.created_at).astimezone(tenant.zone).date()
        counts.setdefault(local, Counter())[row.sentiment] += 1
    return [DayVolume(d, c["positive"], c["neutral"], c["negative"])
            for d, c in sorted(counts.items())]  # fmt: skip


def share_of_voice(rows: list[MentionRow], tenant: Tenant) -> list[Voice]:
    """The tenant (every relevant mention) and each competitor (the mentions naming it)."""
    voices = [_voice(tenant.name or tenant.id, True, rows)]
    for competitor in tenant.competitors:
        named = [r for r in rows if competitor.casefold() in r.text.casefold()]
        voices.append(_voice(competitor, False, named))
    return voices


def _voice(name: str, own: bool, rows: list[MentionRow]) -> Voice:
    said = Counter(r.sentiment for r in rows)
    return Voice(name, own, len(rows), said["positive"], said["negative"])


def funnels(posts: list[tuple[str, MentionRow]], contacts: Contacts, conversions: Conversions,
            tenant: str, period: Period, now: datetime) -> list[Funnel]:  # fmt: skip
    bought: dict[str, list[datetime]] = {}
    for conversion in conversions.of_tenant(tenant, period.since, min(now, period.until + WINDOW)):
        if conversion.contact_id and contacts.exists(tenant, conversion.contact_id):
            person = contacts.root(tenant, conversion.contact_id)
            bought.setdefault(person, []).append(as_utc(conversion.at))
    by_channel: dict[str, list[tuple[str, datetime]]] = {}
    for person, row in posts:
        if row.intent == "lead":
            by_channel.setdefault(row.source, []).append((person, as_utc(row.created_at)))
    found = []
    for channel, leads in sorted(by_channel.items()):
        first: dict[str, datetime] = {}
        for person, at in sorted(leads, key=lambda lead: lead[1]):
            first.setdefault(person, at)
        customers = sum(1 for p, at in first.items()
                        if any(at <= b <= at + WINDOW for b in bought.get(p, ())))  # fmt: skip
        found.append(Funnel(channel, len(leads), len(first), customers))
    return found


def top_topics(rows: list[MentionRow], limit: int = 8) -> list[tuple[str, int]]:
    counted: Counter[str] = Counter()
    for row in rows:
        for topic in row.topics or []:
            # The all-mentions and negative series, and copy-paste clusters, are not topics.
            if topic not in (ALL, NEGATIVE) and not topic.startswith("cluster:"):
                counted[topic] += 1
    return counted.most_common(limit)


def incidents_in(incidents: Incidents, tenant: str, period: Period) -> list[IncidentLine]:
    return [
        IncidentLine(as_utc(row.opened_at), row.topic, row.status, row.observed)
        for row in incidents.opened_between(tenant, period.since, period.until)
    ]


def as_json(report: Report) -> dict[str, Any]:
    """The report's figures as the API serves them, times in UTC."""
    return {
        "tenant": report.tenant.id,
        "period": {"label": report.period.label, "since": report.period.since.isoformat(),
                   "until": report.period.until.isoformat(), "timezone": report.tenant.timezone},
        "generated_at": report.generated_at.isoformat(),
        "mentions": report.mentions,
        "days": [{"day": d.day.isoformat(), "positive": d.positive, "neutral": d.neutral,
                  "negative": d.negative} for d in report.days],
        "share_of_voice": [{"name": v.name, "own": v.own, "mentions": v.mentions,
                            "positive": v.positive, "negative": v.negative, "net": v.net}
                           for v in report.voices],
        "care": report.care.model_dump(mode="json"),
        "complaint_recovery": report.recovery.model_dump(mode="json"),
        "ror_ledger": report.ledger.model_dump(mode="json", exclude={"lines"})
        | {"top": [line.model_dump(mode="json") for line in report.ledger.lines[:20]]},
        "fans_to_customers": [f.__dict__ for f in report.funnels],
        "topics": [{"topic": t, "mentions": n} for t, n in report.topics],
        "incidents": [{"opened_at": i.opened_at.isoformat(), "topic": i.topic,
                       "status": i.status, "observed": i.observed} for i in report.incidents],
    }  # fmt: skip
