"""The stored cases a period's care figures are computed over, read as the figures want them."""

from __future__ import annotations

from datetime import datetime

from escucha.care.care_metrics import CareMetrics, CaseRecord, measure
from escucha.care.casebook import changes, messages
from escucha.care.recovery import WINDOW, Post, Recovery, Signal, recovery
from escucha.core.models import as_utc
from escucha.core.tenant import Tenant
from escucha.store.cases import Cases
from escucha.store.contacts import Contacts
from escucha.store.crm_outbox import Conversions


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
                                tuple(changes(history))))  # fmt: skip
    return found


def care_metrics(
    cases: Cases, tenant: Tenant, since: datetime, until: datetime, now: datetime
) -> CareMetrics:
    return measure(tenant, records(cases, tenant.id, since, until), since, until, now)


def posts(contacts: Contacts, tenant: str, since: datetime, until: datetime) -> list[Post]:
    """The tenant's customers' posts in [since, until) as recovery reads them, by person."""
    return [
        Post(person, as_utc(row.created_at), row.complaint, row.sentiment == "positive",
             row.case_id, row.sentiment_score)
        for person, row in contacts.posts(tenant, since, until)
    ]  # fmt: skip


def complaint_recovery(contacts: Contacts, conversions: Conversions, tenant: str,
                       since: datetime, until: datetime, now: datetime) -> Recovery:  # fmt: skip
    """Recovery of the period's complainers, reading their posts and purchases up to 60 days
    past it."""
    end = min(now, until + WINDOW)
    bought = [Signal(contacts.root(tenant, c.contact_id), as_utc(c.at), "purchase")
              for c in conversions.of_tenant(tenant, since, end)
              if c.contact_id and contacts.exists(tenant, c.contact_id)]  # fmt: skip
    return recovery(posts(contacts, tenant, since, end), bought, since, until, now)
