"""The stored cases a period's care figures are computed over, read as the figures want them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from escucha.care.care_metrics import CareMetrics, CaseRecord, measure
from escucha.care.casebook import changes, messages
from escucha.care.csat import ANSWER_WINDOW, KEY_PREFIX, Rating, asked, ratings
from escucha.care.recovery import WINDOW, Post, Recovery, Signal, recovery
from escucha.care.ror import Ledger, Purchase, Said, ledger
from escucha.core.models import as_utc
from escucha.core.tenant import Tenant
from escucha.nlp.recommendation import recommends
from escucha.store.cases import Cases
from escucha.store.contacts import Contacts
from escucha.store.crm_outbox import Conversions
from escucha.store.outbox import Outbox
from escucha.store.schema import MentionRow

Posts = list[tuple[str, MentionRow]]  # (person, post), as `Contacts.posts` gives them


def records(cases: Cases, tenant: str, since: datetime, until: datetime) -> list[CaseRecord]:
    """The histories of the tenant's cases active in [since, until), merged-in cases inside."""
    found = []
    # Cases asked about satisfaction in the period count there even when nobody wrote in it:
    # an unanswered question must weigh as much as an answered one.
    surveyed = Outbox(cases.engine).cases_sent(tenant, KEY_PREFIX, since, until)
    read = cases.histories(tenant, {*cases.active(tenant, since, until), *surveyed})
    for case_id, history in sorted(read.items()):
        if history.case.merged_into:
            continue  # a merged case is read inside the one it joined
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


def complaint_recovery(sources: RecoverySources, tenant: str, since: datetime, until: datetime,
                       now: datetime, read: Comebacks | None = None) -> Recovery:  # fmt: skip
    """Recovery of the period's complainers, reading their posts, survey answers and purchases
    up to 60 days past it; `read` is that reading (`comebacks` up to `comeback_end`) when the
    caller has it already."""
    if read is None:
        read = comebacks(sources, tenant, since, comeback_end(until, now))
    bought = [Signal(p.person, p.at, "purchase") for p in read.purchases]
    return recovery([s.post for s in read.said], bought + read.answers, since, until, now)


def ror_ledger(sources: RecoverySources, tenant: str, since: datetime, until: datetime,
               now: datetime, read: Comebacks | None = None) -> Ledger:  # fmt: skip
    """The ROR ledger of [since, until), comebacks read up to 60 days past it (or given, as
    `complaint_recovery` takes them)."""
    if read is None:
        read = comebacks(sources, tenant, since, comeback_end(until, now))
    return ledger(read.said, read.answers, read.purchases, since, until)


def comeback_end(until: datetime, now: datetime) -> datetime:
    """Where a period's comebacks stop being read: 60 days past it, or now if sooner."""
    return min(now, until + WINDOW)


@dataclass(frozen=True)
class Comebacks:
    """What people said, answered and bought, each under the person behind it."""

    said: list[Said]
    answers: list[Signal]  # CSAT answers
    purchases: list[Purchase]


def comebacks(sources: RecoverySources, tenant: str, since: datetime, until: datetime,
              posts: Posts | None = None) -> Comebacks:  # fmt: skip
    """The tenant's customers' posts, survey answers and won deals in [since, until); `posts`
    are `Contacts.posts` of that span when the caller has read them. A survey answer ("5") is
    no post about the brand, so it is left out of the posts."""
    contacts = sources.contacts
    purchases = [Purchase(contacts.root(tenant, c.contact_id), as_utc(c.at), c.amount)
                 for c in sources.conversions.of_tenant(tenant, since, until)
                 if c.contact_id and contacts.exists(tenant, c.contact_id)]  # fmt: skip
    # A question asked just before `since` may be answered inside it: still an answer.
    asked_from = since - ANSWER_WINDOW
    rated = [r for r in csat_ratings(sources.cases, sources.outbox, tenant, asked_from, until)
             if since <= r.at < until]  # fmt: skip
    owners, answered = contacts.owners(tenant), {r.mention_id for r in rated}
    answers = [Signal(owners.get(r.identity, ":".join(r.identity)), r.at, "csat", r.score)
               for r in rated]  # fmt: skip
    said = [
        Said(Post(person, as_utc(row.created_at), row.complaint, row.sentiment == "positive",
                  row.case_id, row.sentiment_score), recommends(row.text))
        for person, row in (contacts.posts(tenant, since, until) if posts is None else posts)
        if row.id not in answered
    ]  # fmt: skip
    return Comebacks(said, answers, purchases)


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
    read = cases.histories(tenant, outbox.cases_sent(tenant, KEY_PREFIX, since, until))
    for _, history in sorted(read.items()):
        found += ratings(history)
    return found
