"""Cases in the store: their history for the projection, the projection written back, the
event log people's actions append to, and the inbox's listing with what its rows and filters
show.

Every read takes the tenant, and a case of another tenant is simply not there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Engine, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from escucha.core.models import as_utc
from escucha.store.schema import AgentRow, CaseEventRow, CaseRow, MentionRow, OutboxRow


@dataclass(frozen=True)
class History:
    """What a case's projection is computed from."""

    case: CaseRow
    mentions: list[MentionRow]  # the customer's, and the business's own replies to them
    replies: list[OutboxRow]  # sent through escucha
    events: list[CaseEventRow]


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    assignee: str | None = None
    sla: str | None = None
    priority: str | None = None
    channel: str | None = None
    language: str | None = None
    q: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class CaseFacts:
    """What a case's inbox row shows from its customer's messages: the priority reasons of the
    weightiest this cycle (the one that set its priority) and the sentiment of the latest."""

    reasons: tuple[str, ...] = ()
    sentiment: str | None = None


@dataclass(frozen=True)
class Choices:
    """The channels and languages a tenant's cases have, for the inbox's filter lists."""

    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()


PROJECTED = (
    "status", "cycle", "cycle_started_at", "resolved_at", "priority_label", "intent", "policy",
    "sla", "sla_state", "next_due_at", "check_at", "language",
)  # fmt: skip
URGENCY = {"breached": 0, "warning": 1, "on_track": 2}
WORKING = ("new", "open", "waiting_on_customer")  # statuses that take an agent's capacity
CHUNK = 500  # ids in one IN list: far below SQLite's and PostgreSQL's parameter limits
Row = TypeVar("Row")
REPLY_ORDER = (OutboxRow.sent_at, OutboxRow.key)  # ties in time keep one order, read either way


class Cases:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, tenant: str, case_id: str) -> CaseRow | None:
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.get(CaseRow, case_id)
            return row if row is not None and row.tenant == tenant else None

    def history(self, case_id: str) -> History | None:
        """The case and everything that happened on it, merged-in cases included, in order."""
        with Session(self.engine, expire_on_commit=False) as session:
            case = session.get(CaseRow, case_id)
            if case is None:
                return None
            merged = select(CaseRow.id).where(CaseRow.merged_into == case_id)
            ids = [case_id, *session.scalars(merged)]
            own = select(MentionRow).where(MentionRow.case_id.in_(ids))
            mentions = list(session.scalars(own))
            refs = {f"{m.source}:{m.external_id}" for m in mentions}
            replies = list(session.scalars(
                select(OutboxRow).where(OutboxRow.case_id.in_(ids), OutboxRow.status == "sent")
                .order_by(*REPLY_ORDER)
            ))  # fmt: skip
            ours = {(r.platform, r.platform_id) for r in replies}
            answers = select(MentionRow).where(
                MentionRow.tenant == case.tenant,
                MentionRow.in_reply_to.in_(refs),
                MentionRow.inbound.is_(False),
            )
            mentions.extend(session.scalars(answers))
            # Our own replies come back as mentions too; they are counted once, as replies.
            mentions = [m for m in mentions if (m.source, m.external_id) not in ours]
            events = list(session.scalars(
                select(CaseEventRow).where(CaseEventRow.case_id == case_id)
                .order_by(CaseEventRow.at, CaseEventRow.id)
            ))  # fmt: skip
        mentions.sort(key=lambda m: (m.created_at, m.id))
        return History(case, mentions, replies, events)

    def histories(self, tenant: str, case_ids: Iterable[str]) -> dict[str, History]:
        """`history` of each of the tenant's cases among `case_ids`, read in a few statements
        per CHUNK of ids; another tenant's cases are simply not there."""
        wanted = sorted(set(case_ids))
        found: dict[str, History] = {}
        with Session(self.engine, expire_on_commit=False) as session:
            for start in range(0, len(wanted), CHUNK):
                found |= _histories(session, tenant, wanted[start : start + CHUNK])
        return found

    def write_projection(self, case_id: str, values: dict[str, Any], now: datetime) -> None:
        unknown = set(values) - set(PROJECTED)
        if unknown:
            raise ValueError(f"not projected columns: {sorted(unknown)}")
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(CaseRow).where(CaseRow.id == case_id).values(**values, updated_at=now)
            )

    def add_event(self, tenant: str, case_id: str, kind: str, at: datetime,
                  actor: str | None = None, **data: Any) -> None:  # fmt: skip
        with Session(self.engine) as session, session.begin():
            session.add(CaseEventRow(case_id=case_id, tenant=tenant, at=at, kind=kind,
                                     actor=actor, data=data))  # fmt: skip

    def events(self, case_id: str) -> list[CaseEventRow]:
        with Session(self.engine, expire_on_commit=False) as session:
            query = select(CaseEventRow).where(CaseEventRow.case_id == case_id)
            return list(session.scalars(query.order_by(CaseEventRow.at, CaseEventRow.id)))

    def active(self, tenant: str, since: datetime, until: datetime) -> list[str]:
        """The tenant's unmerged cases a customer wrote to in [since, until): every case with a
        cycle that began then is among them."""
        query = select(CaseRow.id).where(
            CaseRow.tenant == tenant,
            CaseRow.merged_into.is_(None),
            CaseRow.opened_at < until,
            CaseRow.last_mention_at >= since,
        )
        with Session(self.engine) as session:
            return list(session.scalars(query.order_by(CaseRow.id)))

    def resolved_since(self, since: datetime) -> list[tuple[str, str, int]]:
        """(tenant, case id, cycle) of the unmerged cases resolved at or after `since`."""
        query = select(CaseRow.tenant, CaseRow.id, CaseRow.cycle).where(
            CaseRow.resolved_at >= since, CaseRow.merged_into.is_(None)
        )
        with Session(self.engine) as session:
            rows = session.execute(query.order_by(CaseRow.tenant, CaseRow.id))
            return [(t, c, int(n)) for t, c, n in rows]

    def still_resolved(self, since: datetime, until: datetime
                       ) -> list[tuple[str, str, int, datetime]]:  # fmt: skip
        """(tenant, case id, cycle, resolved at) of the unmerged cases resolved in
        [since, until) and not reopened or closed since."""
        query = select(CaseRow.tenant, CaseRow.id, CaseRow.cycle, CaseRow.resolved_at).where(
            CaseRow.status == "resolved", CaseRow.resolved_at >= since,
            CaseRow.resolved_at < until, CaseRow.merged_into.is_(None),
        )  # fmt: skip
        with Session(self.engine) as session:
            rows = session.execute(query.order_by(CaseRow.tenant, CaseRow.id))
            return [(t, c, int(n), as_utc(at)) for t, c, n, at in rows if at is not None]

    def to_check(self, now: datetime, limit: int = 500) -> list[str]:
        """Cases whose projection is stale: touched since, or a clock moment has come."""
        with Session(self.engine) as session:
            query = select(CaseRow.id).where(CaseRow.check_at <= now).order_by(CaseRow.check_at)
            return list(session.scalars(query.limit(limit)))

    def listing(self, tenant: str, wanted: CaseFilter, after: tuple[int, str] | None = None
                ) -> list[CaseRow]:  # fmt: skip
        """Most urgent first: SLA state (breached, warning, on track, the rest), then priority;
        `after` is `rank_of` the last row of the previous page."""
        query = select(CaseRow).where(CaseRow.tenant == tenant, CaseRow.merged_into.is_(None))
        for condition in _conditions(tenant, wanted):
            query = query.where(condition)
        rank = _urgency() * 1000 - CaseRow.priority
        if after is not None:
            query = query.where(or_(rank > after[0], and_(rank == after[0], CaseRow.id > after[1])))
        query = query.order_by(rank, CaseRow.id).limit(wanted.limit)
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(query))

    def facts(self, tenant: str, case_ids: Sequence[str]) -> dict[str, CaseFacts]:
        """Per case of the tenant among `case_ids`: its `CaseFacts`, merged-in cases' messages
        counted; a case without customer messages has empty facts, another tenant's none."""
        ids = list(case_ids)
        if not ids:
            return {}
        with Session(self.engine) as session:
            own = CaseRow.tenant == tenant
            cycles = select(CaseRow.id, CaseRow.cycle_started_at).where(own, CaseRow.id.in_(ids))
            since = {str(c): as_utc(at) if at else None for c, at in session.execute(cycles)}
            folded = select(CaseRow.id, CaseRow.merged_into).where(
                own, CaseRow.merged_into.in_(list(since))
            )
            owner = {str(child): str(parent) for child, parent in session.execute(folded)}
            said = select(MentionRow.case_id, MentionRow.created_at, MentionRow.priority,
                          MentionRow.reasons, MentionRow.sentiment).where(
                MentionRow.tenant == tenant, MentionRow.inbound.is_(True),
                MentionRow.case_id.in_([*since, *owner]))  # fmt: skip
            found = [(owner.get(str(c), str(c)), as_utc(at), p, r, s)
                     for c, at, p, r, s in session.execute(said)]  # fmt: skip
        return {case_id: _facts(start, [m for m in found if m[0] == case_id])
                for case_id, start in since.items()}  # fmt: skip

    def choices(self, tenant: str) -> Choices:
        """The channels and languages the tenant's cases have, each sorted."""
        with Session(self.engine) as session:
            own = CaseRow.tenant == tenant
            channels = session.scalars(select(CaseRow.source).where(own).distinct())
            languages = session.scalars(select(CaseRow.language).where(own).distinct())
            return Choices(tuple(sorted(set(channels))),
                           tuple(sorted(lang for lang in set(languages) if lang)))  # fmt: skip

    def set_merged(self, tenant: str, case_id: str, into: str | None, now: datetime) -> None:
        """Fold a case into another (soft: its rows stay), or take it back out with None."""
        with Session(self.engine) as session, session.begin():
            session.execute(update(CaseRow).where(CaseRow.id == case_id, CaseRow.tenant == tenant)
                            .values(merged_into=into, check_at=now))  # fmt: skip

    def assign(self, tenant: str, case_id: str, agent: str | None, now: datetime) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(update(CaseRow).where(CaseRow.id == case_id, CaseRow.tenant == tenant)
                            .values(assignee=agent, updated_at=now, check_at=now))  # fmt: skip

    def release(self, tenant: str, case_id: str, agent: str, now: datetime) -> bool:
        """Put the case back in the queue if `agent` still holds it (a person may have moved
        it meanwhile); whether it was."""
        with Session(self.engine) as session, session.begin():
            released = session.execute(
                update(CaseRow)
                .where(CaseRow.id == case_id, CaseRow.tenant == tenant, CaseRow.assignee == agent)
                .values(assignee=None, updated_at=now, check_at=now)
                .execution_options(synchronize_session=False)
            )  # fmt: skip
            return bool(getattr(released, "rowcount", 0))

    def take(self, tenant: str, case_id: str, agent: str, capacity: int, now: datetime) -> bool:
        """Give an unassigned case to `agent` if they have room; False when either is no longer
        so. Safe under concurrency: competing assigners of one agent queue on the agent's row
        lock (PostgreSQL), and the case changes only while it is still unassigned."""
        with Session(self.engine) as session, session.begin():
            lock = select(AgentRow.id).where(AgentRow.id == agent, AgentRow.tenant == tenant)
            if self.engine.dialect.name == "postgresql":
                lock = lock.with_for_update()
            if session.execute(lock).first() is None:
                return False
            load = (select(func.count()).select_from(CaseRow)
                    .where(CaseRow.assignee == agent, CaseRow.status.in_(WORKING),
                           CaseRow.merged_into.is_(None)).scalar_subquery())  # fmt: skip
            taken = session.execute(
                update(CaseRow)
                .where(CaseRow.id == case_id, CaseRow.tenant == tenant,
                       CaseRow.assignee.is_(None), load < capacity)
                .values(assignee=agent, updated_at=now, check_at=now)  # its hold starts
                .execution_options(synchronize_session=False)
            )  # fmt: skip
            return bool(getattr(taken, "rowcount", 0))

    def loads(self, tenant: str) -> dict[str, int]:
        """Open cases per agent of the tenant."""
        query = (select(CaseRow.assignee, func.count()).where(
            CaseRow.tenant == tenant, CaseRow.assignee.is_not(None),
            CaseRow.status.in_(WORKING), CaseRow.merged_into.is_(None),
        ).group_by(CaseRow.assignee))  # fmt: skip
        with Session(self.engine) as session:
            return {str(agent): int(count) for agent, count in session.execute(query)}

    def unassigned(self, tenant: str, limit: int = 100) -> list[CaseRow]:
        """Cases waiting for an agent, most urgent first."""
        return [c for c in self.listing(tenant, CaseFilter(assignee="none", limit=limit))
                if c.status in WORKING]  # fmt: skip

    def tenants_waiting(self) -> list[str]:
        query = select(CaseRow.tenant).where(CaseRow.assignee.is_(None),
                                             CaseRow.status.in_(WORKING)).distinct()  # fmt: skip
        with Session(self.engine) as session:
            return list(session.scalars(query))


def _histories(session: Session, tenant: str, ids: list[str]) -> dict[str, History]:
    """The histories of the tenant's cases among `ids`, as `Cases.history` builds each."""
    cases = {c.id: c for c in session.scalars(
        select(CaseRow).where(CaseRow.tenant == tenant, CaseRow.id.in_(ids))
    )}  # fmt: skip
    if not cases:
        return {}
    readers = _readers(session, tenant, list(cases))
    mentions = _grouped(readers, session.scalars(select(MentionRow).where(
        MentionRow.tenant == tenant, MentionRow.case_id.in_(list(readers))
    )), lambda m: m.case_id)  # fmt: skip
    # The cases are the tenant's: their replies and events are too, whatever index is used.
    replies = _grouped(readers, session.scalars(
        select(OutboxRow).where(OutboxRow.case_id.in_(list(readers)), OutboxRow.status == "sent")
        .order_by(*REPLY_ORDER)
    ), lambda r: r.case_id)  # fmt: skip
    answers = _answers(session, tenant, mentions)
    events = _grouped({c: [c] for c in cases}, session.scalars(
        select(CaseEventRow).where(CaseEventRow.case_id.in_(list(cases)))
        .order_by(CaseEventRow.at, CaseEventRow.id)
    ), lambda e: e.case_id)  # fmt: skip
    return {case_id: _history(case, mentions.get(case_id, []), answers,
                              replies.get(case_id, []), events.get(case_id, []))
            for case_id, case in cases.items()}  # fmt: skip


def _readers(session: Session, tenant: str, ids: list[str]) -> dict[str, list[str]]:
    """Case id → the requested cases whose history reads its rows: itself, and the case it
    was merged into when that one was requested."""
    readers = {case_id: [case_id] for case_id in ids}
    folded = select(CaseRow.id, CaseRow.merged_into).where(
        CaseRow.tenant == tenant, CaseRow.merged_into.in_(ids)
    )
    for child, parent in session.execute(folded):
        readers.setdefault(str(child), []).append(str(parent))
    return readers


def _grouped(readers: dict[str, list[str]], rows: Iterable[Row],
             case_of: Callable[[Row], str | None]) -> dict[str, list[Row]]:  # fmt: skip
    """Rows under every case that reads them, in the order they came."""
    found: dict[str, list[Row]] = {}
    for row in rows:
        for case_id in readers.get(case_of(row) or "", ()):
            found.setdefault(case_id, []).append(row)
    return found


def _answers(session: Session, tenant: str, mentions: dict[str, list[MentionRow]]
             ) -> dict[str, list[MentionRow]]:  # fmt: skip
    """The business's answers on the platform (outbound mentions), under the `source:id` of the
    mention each answers."""
    refs = sorted({f"{m.source}:{m.external_id}" for said in mentions.values() for m in said})
    found: dict[str, list[MentionRow]] = {}
    for start in range(0, len(refs), CHUNK):
        query = select(MentionRow).where(
            MentionRow.tenant == tenant,
            MentionRow.in_reply_to.in_(refs[start : start + CHUNK]),
            MentionRow.inbound.is_(False),
        )
        for answer in session.scalars(query):
            found.setdefault(str(answer.in_reply_to), []).append(answer)
    return found


def _history(case: CaseRow, own: list[MentionRow], answers: dict[str, list[MentionRow]],
             replies: list[OutboxRow], events: list[CaseEventRow]) -> History:  # fmt: skip
    """One case's `History` from its rows, as `Cases.history` puts them together."""
    refs = {f"{m.source}:{m.external_id}" for m in own}
    mentions = [*own, *(a for ref in sorted(refs) for a in answers.get(ref, ()))]
    # Our own replies come back as mentions too; they are counted once, as replies.
    ours = {(r.platform, r.platform_id) for r in replies}
    mentions = [m for m in mentions if (m.source, m.external_id) not in ours]
    mentions.sort(key=lambda m: (m.created_at, m.id))
    return History(case, mentions, replies, events)


def rank_of(row: CaseRow) -> tuple[int, str]:
    """The listing's sort key of a row: what a cursor resumes after."""
    return URGENCY.get(row.sla_state or "", 3) * 1000 - row.priority, row.id


def _facts(since: datetime | None, said: list[tuple[str, datetime, int, list[str], str]]
           ) -> CaseFacts:  # fmt: skip
    """A case's facts from its customer messages, (case, at, priority, reasons, sentiment),
    given when its cycle began."""
    if not said:
        return CaseFacts()
    cycle = [m for m in said if since is None or m[1] >= since] or said
    weightiest = min(cycle, key=lambda m: (-m[2], m[1]))
    latest = max(said, key=lambda m: m[1])
    return CaseFacts(tuple(weightiest[3] or ()), latest[4])


def _urgency() -> ColumnElement[int]:
    return case(URGENCY, value=CaseRow.sla_state, else_=3)


def _conditions(tenant: str, wanted: CaseFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.status:
        conditions.append(CaseRow.status == wanted.status)
    if wanted.assignee:
        unassigned = wanted.assignee == "none"
        conditions.append(CaseRow.assignee.is_(None) if unassigned
                          else CaseRow.assignee == wanted.assignee)  # fmt: skip
    if wanted.sla:
        conditions.append(CaseRow.sla_state == wanted.sla)
    if wanted.priority:
        conditions.append(CaseRow.priority_label == wanted.priority)
    if wanted.channel:
        conditions.append(CaseRow.source == wanted.channel)
    if wanted.language:
        conditions.append(CaseRow.language == wanted.language)
    if wanted.q:
        said = MentionRow.text.icontains(wanted.q, autoescape=True)
        text = select(MentionRow.case_id).where(MentionRow.tenant == tenant, said)
        named = CaseRow.author.icontains(wanted.q, autoescape=True)
        conditions.append(or_(named, CaseRow.id.in_(text)))
    return conditions
