"""Cases kept current: after a mention is stored or a reply sent, and when a clock moment comes.

`check` re-projects cases; beat's `due` sweeps for those whose moment has come (the safety net),
and a moment due within the ETA horizon is also scheduled as its own `check` at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from config.settings import get_settings
from escucha.care.answering import Answering
from escucha.care.casework import Projection
from escucha.care.surveys import ask_resolved
from escucha.core import keys
from workers.app import app
from workers.resources import casebook, channel_credentials, context, outbox, tenants


def settle(case_ids: Iterable[str], waiting_in: Iterable[str] = ()) -> dict[str, Projection]:
    """Re-project the cases and assign what waits, scheduling each case's next moment if near."""
    now = datetime.now(UTC)
    done = casebook().settle(case_ids, now, waiting_in)
    horizon = timedelta(seconds=get_settings().care.care_eta_horizon_s)
    for case_id, projection in done.items():
        moment = projection.check_at
        if moment is not None and moment - now <= horizon and _first_to_schedule(case_id, moment):
            app.send_task("escucha.care.check", args=[[case_id]], eta=moment)
    return done


def _first_to_schedule(case_id: str, moment: datetime) -> bool:
    key = keys.care_eta(case_id, moment.timestamp())
    ttl = max(60, int((moment - datetime.now(UTC)).total_seconds()) + 600)
    return bool(context().redis.set(key, 1, nx=True, ex=ttl))


@app.task(name="escucha.care.check", acks_late=True)
def check(case_ids: list[str]) -> int:
    return len(settle(case_ids))


@app.task(name="escucha.care.due")
def due() -> int:
    """Re-project every case whose moment has come, or that was touched and not yet projected;
    then ask the lately resolved ones how we did, where their tenant wants it."""
    cases, now = casebook().cases, datetime.now(UTC)
    # Waiting cases of every tenant too: capacity may have freed, or an agent arrived.
    settled = settle(cases.to_check(now), cases.tenants_waiting())
    answering = Answering(cases, outbox(), channel_credentials())
    ask_resolved(answering, tenants().get, now)
    return len(settled)
