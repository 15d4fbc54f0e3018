"""CRM sync: beat ticks `due`, which puts newly resolved cases' contacts in the outbox and hands
each CRM account with due writes to `send`, one batch of up to 100 a task."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

from redis.exceptions import LockError

from config.settings import get_settings
from escucha.care.crm_sync import attribute_conversions, enqueue_due, send_batch
from escucha.channels.crm.hubspot import Portal
from escucha.core import keys
from escucha.store.cases import Cases
from escucha.store.contacts import Contacts
from escucha.store.crm_outbox import Conversions
from workers.app import app
from workers.resources import channel_credentials, context, crm_outbox, http_client, store

LOOK_BACK = timedelta(days=2)  # a tick missed during an outage still finds what was resolved


@app.task(name="escucha.crm.due")
def due() -> int:
    now, engine = datetime.now(UTC), store().engine
    enqueue_due(Cases(engine), Contacts(engine), crm_outbox(), hubspot_accounts, now - LOOK_BACK,
                now)  # fmt: skip
    attribute_conversions(Conversions(engine), Contacts(engine), http_client(), portal, now)
    accounts = crm_outbox().due_accounts(now)
    for tenant, account in accounts:
        app.send_task("escucha.crm.send", args=[tenant, account])
    return len(accounts)


@app.task(name="escucha.crm.send", acks_late=True, reject_on_worker_lost=True)
def send(tenant: str, account: str) -> int:
    connected = portal(tenant, account)
    if connected is None:
        return 0  # disconnected since: its rows wait until it is connected again
    # One sender per account at a time: two could split a contact's rows and race to the CRM.
    lease = get_settings().channels.crm_lease_s
    lock = context().redis.lock(keys.crm_sender(tenant, account), timeout=lease)
    if not lock.acquire(blocking=False):
        return 0  # another sender has this account; the next tick looks again
    try:
        report = send_batch(crm_outbox(), http_client(), connected, tenant, account,
                            datetime.now(UTC))  # fmt: skip
    finally:
        with contextlib.suppress(LockError):
            lock.release()  # an expired lease was taken over: that sender releases it
    return len(report.sent) + len(report.reconciled)


def portal(tenant: str, account: str) -> Portal | None:
    opened = channel_credentials().opened(tenant, account)
    return Portal(get_settings().channels.hubspot_api_url, opened[0]) if opened else None


def hubspot_accounts(tenant: str) -> list[str]:
    return channel_credentials().accounts(tenant, "hubspot")
