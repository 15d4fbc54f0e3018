"""Crisis checks: beat ticks `due`, which sends one `watch` per tenant worth watching."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime, timedelta

from redis.exceptions import LockNotOwnedError

from config.settings import get_settings
from escucha.core import keys
from escucha.store.incidents import Incidents
from escucha.store.rollups import Rollups
from workers.app import app
from workers.resources import context, crisis_watch, store, tenants

WATCHED_FOR = timedelta(days=7)  # a tenant quiet this long has nothing to surge against today
LOCK_S = 300


@app.task(name="escucha.crisis.due")
def due() -> int:
    """One check per tenant with mentions this week or an incident still open."""
    now = datetime.now(UTC)
    active = Rollups(store().engine).tenants_since(now - WATCHED_FOR)
    live = [row.tenant for row in Incidents(store().engine).live()]
    expires = get_settings().crisis.crisis_tick_s
    chosen = sorted(set(active) | set(live))
    for tenant in chosen:
        app.send_task("escucha.crisis.watch", args=[tenant], expires=expires)
    return len(chosen)


@app.task(name="escucha.crisis.watch")
def watch(tenant: str) -> str | None:
    """Check one tenant; a change in its incident is alerted at once, not at the next tick."""
    lock = context().redis.lock(keys.crisis_lock(tenant), timeout=LOCK_S, blocking=False)
    if not lock.acquire():
        return None  # a check of this tenant is running: this one would only repeat it
    try:
        checked = crisis_watch().check(tenants().get(tenant), datetime.now(UTC))
    finally:
        with suppress(LockNotOwnedError):  # held past LOCK_S: another check may have it now
            lock.release()
    if checked.change is not None:
        app.send_task("escucha.alert.due")
    return checked.change.value if checked.change else None
