"""Asking resolved cases' customers how we did: the CSAT question queued once per case cycle.

A sweep over the cases resolved lately, so a resolution made anywhere (an agent, the API, the
command line) is asked about, and a case reopened before the wait is over is not. The question
goes through the reply outbox as an automated reply, counted in no care figure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from escucha.care.answering import Answering, AnswerRefused
from escucha.care.csat import ASK, ask, ask_key, should_ask
from escucha.core.tenant import Tenant


def ask_resolved(answering: Answering, tenant_of: Callable[[str], Tenant], since: datetime,
                 now: datetime) -> int:  # fmt: skip
    """Queue the question for the cases resolved since `since` that are due it; how many."""
    resolved = answering.cases.resolved_since(since)
    keyed = {(t, c, n): ask_key(t, c, n) for t, c, n in resolved}
    known = answering.outbox.existing(list(keyed.values()))
    queued = 0
    for (tenant_id, case_id, _), key in keyed.items():
        if key in known:
            continue
        tenant = tenant_of(tenant_id)
        if tenant.csat.ask and _ask(answering, tenant, case_id, now):
            queued += 1
    return queued


def _ask(answering: Answering, tenant: Tenant, case_id: str, now: datetime) -> bool:
    history = answering.cases.history(case_id)
    if history is None or history.case.tenant != tenant.id:
        return False
    case, customer = history.case, [m for m in history.mentions if m.inbound]
    if not customer or not should_ask(tenant.csat, case.status, case.resolved_at,
                                      customer[-1].direct, now):  # fmt: skip
        return False
    language = customer[-1].lang if customer[-1].lang in ASK else tenant.languages[0]
    key = ask_key(tenant.id, case_id, case.cycle)
    try:
        answering.answer(tenant.id, case_id, ask(language), confirm=True, key=key,
                         automated=True)  # fmt: skip
    except AnswerRefused:
        return False  # no channel to ask on: nothing to send, nothing lost
    return True
