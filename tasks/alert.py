"""Alerts out of the outbox: beat ticks `due`, which makes deliveries and sends each due one."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime

from redis.exceptions import LockNotOwnedError

from escucha.core import keys
from workers.app import app
from workers.resources import alerting, context, http_client

LOCK_S = 120


@app.task(name="escucha.alert.due")
def due() -> int:
    """Fan out new incident entries, climb ladders, relay care events, send what is due."""
    lock = context().redis.lock(keys.ALERT_LOCK, timeout=LOCK_S, blocking=False)
    if not lock.acquire():
        return 0  # another tick is at it; it sends what is due
    try:
        ready = alerting().tick(context().redis, datetime.now(UTC))
    finally:
        with suppress(LockNotOwnedError):  # held past LOCK_S: another tick may have it now
            lock.release()
    for key in ready:
        app.send_task("escucha.alert.send", args=[key])
    return len(ready)


@app.task(name="escucha.alert.send", acks_late=True, reject_on_worker_lost=True)
def send(key: str) -> str | None:
    outcome = alerting().send(key, datetime.now(UTC), http_client())
    return type(outcome).__name__ if outcome else None
