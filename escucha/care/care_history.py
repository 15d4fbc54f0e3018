"""The stored cases a period's care figures are computed over, read as the figures want them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from escucha.care.care_metrics import CareMetrics, CaseRecord, measure
from escucha.care.casebook import changes, messages
from escucha.care.csat import KEY_PREFIX, Rating, asked, ratings
from escucha.care.recovery import WINDOW, Post, Recovery, Signal, recovery
from escucha.core.models import as_utc
from escucha.core.tenant import Tenant
from escucha.store.cases import Cases
from escucha.store.contacts import Contacts
from escucha.store.crm_outbox import Conversions
from escucha.store.outbox import Outbox


def records(cases: Cases, tenant: str, since: datetime, until: datetime) -> list[CaseRecord]:
    """The histories of the tenant's cases active in [since, until), merged-in cases inside."""
    found = []
    for case_id in cases.active(tenant, since, until):
        history = cases.history(case_id)
        if history is None or history.case.tenant != tenant:
            continue
        said = tuple(messages(history))
        # A case merged in may have begun earlier: its messages open the first cycle.
        opened = min([as_utc(history.case.opened_at), *(m.at for m in said)])
        found.append(CaseRecord(case_id, history.case.source, opened, said,
                                tuple(changes(history)), tuple(asked(history)),
                                tuple(ratings(history))))  # fmt: skip
    return found


def care_metrics(
    cases: Cases, tenant: Tenant, since: datetime, until: datetime, now: datetime
) -> CareMetrics:
    return measure(tenant, records(cases, tenant.id, since, until), since, until, now)


def posts(contacts: Contacts, tenant: str, since: datetime, until: datetime,
          leave_out: frozenset[str] = frozenset()) -> list[Post]:  # fmt: skip
    """The tenant's customers' posts in [since, until) as recovery reads them, by person;
    `leave_out` names mentions that are no post about the brand (answers to a survey)."""
    return [
        Post(person, as_utc(row.created_at), row.complaint, row.sentiment == "positive",
             row.case_id, row.sentiment_score)
        for person, row in contacts.posts(tenant, since, until)
        if row.id not in leave_out
    ]  # fmt: skip


def complaint_recovery(sources: RecoverySources, tenant: str, since: datetime, until: datetime,
                       now: datetime) -> Recovery:  # fmt: skip
    """Recovery of the period's complainers, reading their posts, survey answers and purchases
    up to 60 days past it."""
    contacts, end = sources.contacts, min(now, until + WINDOW)
    bought = [Signal(contacts.root(tenant, c.contact_id), as_utc(c.at), "purchase")
              for c in sources.conversions.of_tenant(tenant, since, end)
              if c.contact_id and contacts.exists(tenant, c.contact_id)]  # fmt: skip
    owners, answers = contacts.owners(tenant), csat_ratings(sources.cases, sources.outbox,
                                                            tenant, since, end)  # fmt: skip
    rated = [Signal(owners.get(r.identity, ":".join(r.identity)), r.at, "csat", r.score)
             for r in answers]  # fmt: skip
    said = posts(contacts, tenant, since, end, frozenset(r.mention_id for r in answers))
    return recovery(said, bought + rated, since, until, now)


@dataclass(frozen=True)
class RecoverySources:
    """Where recovery's signs of a comeback are read from."""

    cases: Cases
    contacts: Contacts
    conversions: Conversions
    outbox: Outbox

    @classmethod
    def on(cls, engine: Engine) -> RecoverySources:
        return cls(Cases(engine), Contacts(engine), Conversions(engine), Outbox(engine))


def csat_ratings(cases: Cases, outbox: Outbox, tenant: str, since: datetime, until: datetime
                 ) -> list[Rating]:  # fmt: skip
    """The answers to the questions asked in [since, until), read from the cases asked."""
    found = []
    for case_id in outbox.cases_sent(tenant, KEY_PREFIX, since, until):
        history = cases.history(case_id)
        if history is not None and history.case.tenant == tenant:
            found += ratings(history)
    return found
