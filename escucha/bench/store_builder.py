"""A store of realistic size for `escucha bench-queries`: the load mix's texts spread over
tenants, people and days, saved the way the persist stage saves them (`Store.save`: threads,
cases, rollups), then cases given a lifecycle, replies, events, contacts and agents.

Analysis is not run (a million texts would take an hour): sentiment, intent, complaint and
offence are drawn from a seeded distribution in which complaints lean negative and praise
positive. Triage (priority, reasons, case, topics) is the product's own, on those labels.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from escucha.bench import load_mix
from escucha.care.triage import score
from escucha.core.models import (
    Analysis,
    AnalyzedMention,
    Intent,
    Sentiment,
    TriagedMention,
    as_utc,
    assemble,
    extend,
)
from escucha.core.tenant import Tenant
from escucha.nlp import language
from escucha.nlp import text as cleaning
from escucha.store.contacts import normal
from escucha.store.migrate import upgrade
from escucha.store.schema import (
    AgentRow,
    CaseEventRow,
    CaseRow,
    ContactIdentityRow,
    ContactRow,
    MentionRow,
    OutboxRow,
    RollupRow,
)
from escucha.store.store import Store, make_engine
from escucha.store.tenants import Tenants

LABELS = "seeded random analysis labels (complaints lean negative, praise positive)"
INTENTS = {
    Intent.complaint: 24, Intent.claim: 8, Intent.question: 16, Intent.request: 8,
    Intent.lead: 5, Intent.praise: 10, Intent.suggestion: 4, Intent.other: 21, Intent.spam: 4,
}  # fmt: skip
# A person writes on one channel; some of those channels carry direct messages too.
CHANNELS = {"x": 50, "facebook": 25, "instagram": 15, "mastodon": 10}
ZONES = ("Europe/Madrid", "America/Mexico_City", "America/Bogota", "UTC", "America/New_York")
COMPETITORS = ["Iberia", "Vueling", "United", "Delta"]  # named in the load mix's tweets
REPLIES = {
    "es": "Hola, sentimos lo ocurrido. Escríbenos por mensaje privado y lo revisamos.",
    "en": "Hi, sorry to hear that. Please send us a DM and we will look into it.",
}
DM_SHARE, REPLY_SHARE = 0.08, 0.12  # direct messages; mentions the business answered in public
MENTIONS_PER_PERSON = 5  # on average, so a person's posts form cases of several mentions


@dataclass(frozen=True)
class Shape:
    mentions: int
    tenants: int = 20
    large_share: float = 0.4  # of the mentions, for the one large tenant
    days: int = 120
    seed: int = 7
    batch: int = 2_000


@dataclass
class Built:
    tenants: list[Tenant]
    now: datetime  # the end of the stored span: what the measured queries take as now
    mentions: int = 0
    cases: int = 0
    rollups: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # where the store differs from the product


Progress = Callable[[str, int, int | None], None]  # (phase, how many more done, of how many)


def tenants_of(shape: Shape) -> list[Tenant]:
    return [
        Tenant(id=f"t{i:02d}", name=f"Marca {i:02d}", timezone=ZONES[i % len(ZONES)],
               competitors=COMPETITORS)
        for i in range(shape.tenants)
    ]  # fmt: skip


def shares(shape: Shape) -> list[float]:
    """Each tenant's share of the mentions: the first is the large one."""
    if shape.tenants == 1:
        return [1.0]
    rest = (1 - shape.large_share) / (shape.tenants - 1)
    return [shape.large_share, *([rest] * (shape.tenants - 1))]


def build(url: str, shape: Shape, progress: Progress, now: datetime | None = None) -> Built:
    """Migrate the database at `url`, then fill it as `shape` says."""
    upgrade(url)
    engine = make_engine(url)
    try:
        return fill(engine, shape, progress, now or datetime.now(UTC))
    finally:
        engine.dispose()


def fill(engine: Engine, shape: Shape, progress: Progress, now: datetime) -> Built:
    built = Built(tenants_of(shape), now)
    for tenant in built.tenants:
        Tenants(engine).put(tenant)
    store, batch = Store(engine), []
    started = time.perf_counter()
    for mention in triaged(shape, built.tenants, now):
        batch.append(mention)
        if len(batch) == shape.batch:
            store.save(batch)
            progress("mentions", len(batch), shape.mentions)
            batch = []
    store.save(batch)
    progress("mentions", len(batch), shape.mentions)
    built.seconds["mentions"] = time.perf_counter() - started
    started = time.perf_counter()
    rng = random.Random(shape.seed + 1)
    agents = add_agents(engine, built.tenants, now)
    built.notes += project_cases(engine, rng, agents, now, progress)
    add_contacts(engine, rng, now)
    built.seconds["cases"] = time.perf_counter() - started
    with Session(engine) as session:
        built.mentions = int(session.scalar(select(func.count()).select_from(MentionRow)) or 0)
        built.cases = int(session.scalar(select(func.count()).select_from(CaseRow)) or 0)
        built.rollups = int(session.scalar(select(func.count()).select_from(RollupRow)) or 0)
    return built


def triaged(shape: Shape, tenants: list[Tenant], now: datetime) -> Iterator[TriagedMention]:
    """`shape.mentions` mentions, oldest first, each triaged by the tenant it went to."""
    rng = random.Random(shape.seed)
    weights = shares(shape)
    people = [max(10, round(shape.mentions * w / MENTIONS_PER_PERSON)) for w in weights]
    start, step = now - timedelta(days=shape.days), timedelta(days=shape.days) / shape.mentions
    made = 0
    for n, raw in enumerate(load_mix.mentions(shape.mentions, seed=shape.seed)):
        if made == shape.mentions:
            return
        index = rng.choices(range(len(tenants)), weights)[0]
        tenant, person = tenants[index], rng.randrange(people[index])
        at = start + step * n + timedelta(seconds=rng.uniform(0, 60))
        mention = _mention(raw, tenant, person, at, rng)
        yield mention
        made += 1
        if made < shape.mentions and mention.triage.case_key and rng.random() < REPLY_SHARE:
            yield _reply(mention, tenant, rng)
            made += 1


def _channel(person: int) -> str:
    # A person keeps to one channel, chosen by their number, so their posts form one case.
    spread = random.Random(person).choices(list(CHANNELS), list(CHANNELS.values()))
    return spread[0]


def _mention(raw: dict[str, Any], tenant: Tenant, person: int, at: datetime,
             rng: random.Random) -> TriagedMention:  # fmt: skip
    source = _channel(person)
    handle, person_id = f"user{person}", f"u{person}"
    direct = source != "mastodon" and rng.random() < DM_SHARE
    cleaned = cleaning.clean(raw["text"])
    lang, confidence = language.detect(cleaned.text)
    fields = {
        "external_id": raw["id"], "source": source, "text": raw["text"], "author": handle,
        "created_at": at, "updated_at": None, "tenant": tenant.id,
        "author_followers": raw["author_followers"], "author_id": person_id, "url": None,
        "in_reply_to": None, "amplifies": None,
        "thread": f"{source}:{person_id}" if direct else None, "direct": direct,
        "inbound": True, "addressed": direct, "accepted_at": at + timedelta(seconds=2),
        "version": at.timestamp(), "clean_text": cleaned.text, "handles": cleaned.handles,
        "hashtags": cleaned.hashtags, "urls": cleaned.urls, "lang": lang,
        "lang_confidence": confidence, "cluster_id": None, "analysis": labels(lang, rng),
    }  # fmt: skip
    analysed = assemble(AnalyzedMention, **fields)
    return extend(TriagedMention, analysed, triage=score(analysed, tenant))


def labels(lang: str, rng: random.Random) -> Analysis:
    """A seeded stand-in for the analysis model's output."""
    intent = rng.choices(list(INTENTS), list(INTENTS.values()))[0]
    if intent in (Intent.complaint, Intent.claim):
        weights = (3, 12, 85)
    elif intent is Intent.praise:
        weights = (90, 8, 2)
    else:
        weights = (20, 60, 20)
    tones = (Sentiment.positive, Sentiment.neutral, Sentiment.negative)
    sentiment = rng.choices(tones, weights)[0]
    strength = {Sentiment.positive: 1, Sentiment.negative: -1, Sentiment.neutral: 0}[sentiment]
    value = strength * rng.uniform(0.2, 0.95) if strength else rng.uniform(-0.15, 0.15)
    complaint = intent in (Intent.complaint, Intent.claim) or (
        sentiment is Sentiment.negative and rng.random() < 0.3
    )
    return Analysis(lang=lang, sentiment=sentiment, sentiment_score=round(value, 3),
                    intent=intent, complaint=complaint, offensive=rng.random() < 0.03)  # fmt: skip


def _reply(to: TriagedMention, tenant: Tenant, rng: random.Random) -> TriagedMention:
    """The business answering a post on the platform itself, as twcs exports carry it."""
    lang = "es" if to.lang == "es" else "en"
    text, at = REPLIES[lang], to.created_at + timedelta(minutes=rng.uniform(5, 240))
    fields = to.__dict__ | {
        "external_id": f"r{to.external_id}", "text": text, "clean_text": text,
        "author": f"@{tenant.id}", "author_id": f"{tenant.id}-page", "author_followers": 50_000,
        "created_at": at, "accepted_at": at, "version": at.timestamp(),
        "in_reply_to": f"{to.source}:{to.external_id}", "inbound": False, "addressed": False,
        "handles": [], "hashtags": [], "urls": [],
        "analysis": Analysis(lang=lang, sentiment=Sentiment.neutral, sentiment_score=0.0,
                             intent=Intent.other, complaint=False, offensive=False),
    }  # fmt: skip
    fields.pop("triage")
    analysed = assemble(AnalyzedMention, **fields)
    return extend(TriagedMention, analysed, triage=score(analysed, tenant))


def add_agents(engine: Engine, tenants: list[Tenant], now: datetime) -> dict[str, list[str]]:
    """Five agents per tenant; their ids by tenant."""
    ids = {t.id: [f"{t.id}-agent{k}" for k in range(5)] for t in tenants}
    rows = [AgentRow(id=a, tenant=t, name=f"Agente {a}", email=f"{a}@example.com",
                     languages=["es", "en"], capacity=20, created_at=now)
            for t, agents in ids.items() for a in agents]  # fmt: skip
    with Session(engine) as session, session.begin():
        session.add_all(rows)
    return ids


def project_cases(engine: Engine, rng: random.Random, agents: dict[str, list[str]],
                  now: datetime, progress: Progress) -> list[str]:  # fmt: skip
    """A lifecycle for every case, as the care projection would leave it: the older a case,
    the likelier resolved or closed; working ones with SLA clocks, some assigned; with the
    status and assignment events and, for some, a reply sent through escucha. Returns notes:
    a status the column cannot hold on this database is stored as "open"."""
    width = getattr(CaseRow.__table__.c.status.type, "length", None) or 1_000
    strict, narrowed = engine.dialect.name != "sqlite", 0  # SQLite ignores VARCHAR lengths
    with Session(engine) as session:
        cases = session.execute(select(CaseRow.id, CaseRow.tenant, CaseRow.source,
                                       CaseRow.opened_at, CaseRow.last_mention_at,
                                       CaseRow.priority)).all()  # fmt: skip
        langs = dict(session.execute(select(MentionRow.case_id, func.min(MentionRow.lang))
                                     .where(MentionRow.case_id.is_not(None))
                                     .group_by(MentionRow.case_id)).all())  # fmt: skip
    values, events, replies = [], [], []
    for n, (case_id, tenant, source, opened, last, priority) in enumerate(cases):
        opened, last = as_utc(opened), as_utc(last)
        status = _status(now - last, rng)
        if strict and len(status) > width:
            status, narrowed = "open", narrowed + 1
        agent = rng.choice(agents[tenant]) if status != "new" and rng.random() < 0.7 else None
        due = opened + timedelta(minutes=60)
        met = opened + timedelta(minutes=rng.uniform(5, 120)) if status != "new" else None
        state = _sla_state(due, met, now)
        resolved = last + timedelta(hours=rng.uniform(1, 48)) if status in FINISHED else None
        values.append({
            "b_id": case_id, "status": status, "assignee": agent, "cycle_started_at": opened,
            "resolved_at": resolved, "language": langs.get(case_id), "policy": "standard@v1",
            "intent": "complaint", "priority_label": _label(priority), "sla_state": state,
            "next_due_at": due if met is None else None, "check_at": None, "updated_at": now,
            "sla": [_target(opened, due, met)],
        })  # fmt: skip
        if agent:
            events.append(_event(case_id, tenant, opened, "assigned", agent=agent))
        if status != "new":
            events.append(_event(case_id, tenant, met or opened, "status", status="open"))
        if resolved:
            events.append(_event(case_id, tenant, resolved, "status", status=status))
        if met and source != "mastodon" and rng.random() < 0.3:
            replies.append(_sent(case_id, tenant, source, met, n))
    statement = update(CaseRow).where(CaseRow.id == bindparam("b_id"))
    with engine.begin() as connection:
        for start in range(0, len(values), 5_000):
            chunk = values[start : start + 5_000]
            connection.execute(statement, chunk)
            progress("cases", len(chunk), len(values))
        if events:
            connection.execute(insert(CaseEventRow), events)
        if replies:
            connection.execute(insert(OutboxRow), replies)
    if not narrowed:
        return []
    return [f"{narrowed:,} cases stored as 'open', not 'waiting_on_customer': cases.status is "
            f"VARCHAR({width}) and {engine.dialect.name} refuses the longer value"]  # fmt: skip


FINISHED = ("resolved", "closed")


def _status(quiet: timedelta, rng: random.Random) -> str:
    if quiet > timedelta(days=14):
        return rng.choices(("closed", "resolved", "open"), (60, 35, 5))[0]
    if quiet > timedelta(days=2):
        return rng.choices(("resolved", "waiting_on_customer", "open", "new"), (55, 20, 15, 10))[0]
    return rng.choices(("new", "open", "waiting_on_customer", "resolved"), (40, 30, 15, 15))[0]


def _sla_state(due: datetime, met: datetime | None, now: datetime) -> str:
    if met is not None:
        return "met" if met <= due else "breached"
    if now > due:
        return "breached"
    return "warning" if due - now < timedelta(minutes=15) else "on_track"


def _label(priority: int) -> str:
    return "urgent" if priority >= 70 else "high" if priority >= 50 else "normal"


def _target(started: datetime, due: datetime, met: datetime | None) -> dict[str, Any]:
    breached = due if met is None or met > due else None
    return {
        "target": "first_response", "clock": "calendar", "minutes": 60,
        "started_at": started.isoformat(), "due_at": due.isoformat(),
        "met_at": met.isoformat() if met else None,
        "breached_at": breached.isoformat() if breached else None,
        "business_minutes_used": 0.0, "warn_at": [0.75], "warnings": [], "explanation": None,
    }  # fmt: skip


def _event(case_id: str, tenant: str, at: datetime, kind: str, **data: str) -> dict[str, Any]:
    return {"case_id": case_id, "tenant": tenant, "at": at, "kind": kind,
            "actor": "escucha", "data": data}  # fmt: skip


def _sent(case_id: str, tenant: str, source: str, at: datetime, n: int) -> dict[str, Any]:
    return {
        "key": f"bench-{n}", "tenant": tenant, "case_id": case_id, "account": f"{source}:page",
        "platform": source, "in_reply_to": f"{source}:{n}", "text": REPLIES["es"],
        "private": False, "direct": False, "author_handle": None, "author": "agent",
        "status": "sent", "attempts": 1, "next_attempt_at": at, "claimed_at": None,
        "platform_id": f"sent{n}", "recipient_id": None, "last_error": None,
        "created_at": at, "sent_at": at,
    }  # fmt: skip


def add_contacts(engine: Engine, rng: random.Random, now: datetime) -> None:
    """A contact for a third of the people who wrote, their handle as its identity."""
    with Session(engine) as session:
        people = session.execute(select(MentionRow.tenant, MentionRow.source,
                                        MentionRow.author_id, func.min(MentionRow.author))
                                 .where(MentionRow.inbound.is_(True))
                                 .group_by(MentionRow.tenant, MentionRow.source,
                                           MentionRow.author_id)).all()  # fmt: skip
    contacts, identities = [], []
    for n, (tenant, source, person_id, handle) in enumerate(people):
        if person_id and rng.random() < 1 / 3:
            contact_id = f"ct_bench{n}"
            contacts.append({"id": contact_id, "tenant": tenant, "name": handle,
                             "created_at": now, "updated_at": now})  # fmt: skip
            identities.append({"tenant": tenant, "kind": source, "value": normal(source, person_id),
                               "contact_id": contact_id, "added_at": now})  # fmt: skip
    with engine.begin() as connection:
        if contacts:
            connection.execute(insert(ContactRow), contacts)
            connection.execute(insert(ContactIdentityRow), identities)
