"""Cases kept current: after a mention is stored or a reply sent, and when a clock moment comes.

`check` re-projects cases; beat's `due` sweeps for those whose moment has come (the safety net),
and a moment due within the ETA horizon is also scheduled as its own `check` at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from config.settings import get_settings
from escucha.care.casework import Projection
from escucha.core import keys
from escucha.store.cases import WORKING
from workers.app import app
from workers.resources import casebook, context


def refresh(case_ids: Iterable[str]) -> dict[str, Projection]:
    """Re-project the cases now, scheduling each one's next moment if it is near."""
    now = datetime.now(UTC)
    book = casebook()
    done = book.refresh(case_ids, now)
    for tenant in {case_id.partition(":")[0] for case_id, p in done.items()
                   if p.status.value in WORKING}:  # fmt: skip
        book.assign_waiting(tenant, now)
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
    return len(refresh(case_ids))


@app.task(name="escucha.care.due")
def due() -> int:
    """Re-project every case whose moment has come, or that was touched and not yet projected."""
    book = casebook()
    done = refresh(book.cases.to_check(datetime.now(UTC)))
    for tenant in book.cases.tenants_waiting():  # capacity may have freed, or an agent arrived
        book.assign_waiting(tenant, datetime.now(UTC))
    return len(done)
