"""The stored cases a period's care figures are computed over, read as the figures want them."""

from __future__ import annotations

from datetime import datetime

from escucha.care.care_metrics import CareMetrics, CaseRecord, measure
from escucha.care.casebook import changes, messages
from escucha.core.models import as_utc
from escucha.core.tenant import Tenant
from escucha.store.cases import Cases


def records(cases: Cases, tenant: str, since: datetime, until: datetime) -> list[CaseRecord]:
    """The histories of the tenant's cases active in [since, until), merged-in cases inside."""
    found = []
    for case_id in cases.active(tenant, since, until):
        history = cases.history(case_id)
        if history is None or history.case.tenant != tenant:
            continue
        found.append(CaseRecord(case_id, history.case.source, as_utc(history.case.opened_at),
                                tuple(messages(history)), tuple(changes(history))))  # fmt: skip
    return found


def care_metrics(
    cases: Cases, tenant: Tenant, since: datetime, until: datetime, now: datetime
) -> CareMetrics:
    return measure(tenant, records(cases, tenant.id, since, until), since, until, now)
