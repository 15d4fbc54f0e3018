"""Asking resolved cases' customers how we did: the CSAT question queued once per case cycle.

A sweep over the cases resolved lately, so a resolution made anywhere (an agent, the API, the
command line) is asked about, and a case reopened before the wait is over is not. The question
goes through the reply outbox as an automated reply, counted in no care figure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from escucha.care.answering import Answering, AnswerRefused
from escucha.care.csat import ASK, ask, ask_key, should_ask
from escucha.core.tenant import MAX_CSAT_WAIT as MAX_WAIT
from escucha.core.tenant import Tenant

LATE = timedelta(minutes=30)


def ask_resolved(answering: Answering, tenant_of: Callable[[str], Tenant], now: datetime
                 ) -> int:  # fmt: skip
    """Queue the question for the resolved cases whose moment to be asked has come; how many.
    A case is looked at for LATE after its moment, then no more: a survey that comes hours
    late annoys more than it tells, and a sweep must not reread every resolved case forever."""
    oldest = now - timedelta(minutes=MAX_WAIT) - LATE
    keyed = {}
    for tenant_id, case_id, cycle, resolved_at in answering.cases.still_resolved(oldest, now):
        policy = tenant_of(tenant_id).csat
        moment = resolved_at + timedelta(minutes=policy.after_minutes)
        if policy.ask and moment <= now < moment + LATE:
            keyed[(tenant_id, case_id)] = ask_key(tenant_id, case_id, cycle)
    known = answering.outbox.existing(list(keyed.values()))
    queued = 0
    for (tenant_id, case_id), key in keyed.items():
        if key not in known and _ask(answering, tenant_of(tenant_id), case_id, now):
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
                         automated=True, survey=True)  # fmt: skip
    except AnswerRefused:
        return False  # no channel to ask on: nothing to send, nothing lost
    return True
