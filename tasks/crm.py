"""CRM sync: beat ticks `due`, which puts newly resolved cases' contacts (and leads) in the outbox
and hands each CRM account with due writes to `send`, which sends batch after batch while its
lease lasts. Accounts are HubSpot portals (their calls paced by one rate budget per portal in
Redis), Salesforce orgs and signed webhooks to any other CRM."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime, timedelta

from redis.exceptions import LockError

from config.settings import get_settings
from escucha.care.crm_events import Endpoint
from escucha.care.crm_sync import (
    attribute_conversions,
    enqueue_due,
    enqueue_leads_due,
    send_batch,
)
from escucha.channels.crm.hubspot import Portal
from escucha.channels.crm.rate_budget import RateBudget
from escucha.channels.crm.salesforce import Org
from escucha.channels.crm.writes import CrmAccount
from escucha.core import keys
from escucha.store.cases import Cases
from escucha.store.channel_credentials import CRMS
from escucha.store.contacts import Contacts
from escucha.store.crm_outbox import Conversions
from escucha.store.tenants import Tenants
from workers.app import app
from workers.resources import channel_credentials, context, crm_outbox, http_client, store

LOOK_BACK = timedelta(days=2)  # a tick missed during an outage still finds what was resolved


@app.task(name="escucha.crm.due")
def due() -> int:
    now, engine = datetime.now(UTC), store().engine
    outbox, contacts = crm_outbox(), Contacts(engine)
    enqueue_due(Cases(engine), contacts, outbox, crm_accounts, now - LOOK_BACK, now)
    enqueue_leads_due(contacts, outbox, Tenants(engine).all(), now - LOOK_BACK, now,
                      crm_accounts)  # fmt: skip
    attribute_conversions(Conversions(engine), contacts, http_client(), portal, now)
    accounts = outbox.due_accounts(now)
    for tenant, account in accounts:
        app.send_task("escucha.crm.send", args=[tenant, account])
    return len(accounts)


@app.task(name="escucha.crm.send", acks_late=True, reject_on_worker_lost=True)
def send(tenant: str, account: str) -> int:
    connected = crm_account(tenant, account)
    if connected is None:
        return 0  # disconnected since: its rows wait until it is connected again
    # One sender per account at a time: two could split a contact's rows and race to the CRM.
    lease = get_settings().channels.crm_lease_s
    lock = context().redis.lock(keys.crm_sender(tenant, account), timeout=lease)
    if not lock.acquire(blocking=False):
        return 0  # another sender has this account; the next tick looks again
    done, until = 0, time.monotonic() + lease / 4
    try:
        # Batch after batch while there is work and time left in the lease: a webhook takes
        # one event a call, and a tick a batch would leave a backlog behind.
        while time.monotonic() < until:
            report = send_batch(crm_outbox(), http_client(), connected, tenant, account,
                                datetime.now(UTC))  # fmt: skip
            done += len(report.sent) + len(report.reconciled)
            if not (report.sent or report.reconciled):
                break
    finally:
        with contextlib.suppress(LockError):
            lock.release()  # an expired lease was taken over: that sender releases it
    return done


def crm_account(tenant: str, account: str) -> CrmAccount | None:
    """The tenant's connected account on its CRM, ready to write to; None if not connected."""
    opened = channel_credentials().opened(tenant, account)
    if opened is None:
        return None
    token, details = opened
    platform = account.partition(":")[0]
    if platform == "hubspot":
        # One budget per portal in Redis: every worker's calls to it draw on the same tokens.
        budget = RateBudget(context().redis, account)
        return Portal(get_settings().channels.hubspot_api_url, token, budget=budget)
    if platform == "salesforce":
        return Org(details["instance_url"], token)
    if platform == "webhook":
        return Endpoint(details["url"], token)
    return None


def portal(tenant: str, account: str) -> Portal | None:
    found = crm_account(tenant, account)
    return found if isinstance(found, Portal) else None


def crm_accounts(tenant: str) -> list[str]:
    credentials = channel_credentials()
    return [account for crm in CRMS for account in credentials.accounts(tenant, crm)]
