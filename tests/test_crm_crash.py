"""SIGKILL of the worker syncing a resolved case's contact to HubSpot, after HubSpot wrote it
and before escucha heard back: after recovery the contact was written exactly once. Real
Redis, Celery workers and beat, SQLite, and a local server playing HubSpot's CRM API."""

import os
import signal
import threading
from datetime import UTC, datetime

import pytest

from escucha.care.casebook import Casebook
from escucha.care.lifecycle import Status
from escucha.core.sealed import Sealer, new_key
from escucha.core.tenant import Tenant
from escucha.ops.process_tree import children
from escucha.store.cases import Cases
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.contacts import Contacts
from escucha.store.crm_outbox import CrmOutbox
from escucha.store.tenants import Tenants
from tests.crm_servers import TOKEN, LocalHubSpot
from tests.factories import triaged
from tests.pipeline_helpers import worker_stack
from tests.processes import wait_until

KEY = new_key()


@pytest.fixture
def stack(tmp_path, redis_server):
    crm = LocalHubSpot(hold=threading.Event())
    with crm.server() as hubspot:
        settings = {"ESCUCHA_HUBSPOT_API_URL": hubspot.url, "ESCUCHA_SECRET_KEY": KEY,
                    "ESCUCHA_CRM_TICK_S": "0.5", "ESCUCHA_CRM_LEASE_S": "3",
                    "ESCUCHA_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
        with worker_stack(redis_server.url, tmp_path, 50, settings, beat=True) as (
            launcher, _ctx, store, _env,
        ):  # fmt: skip
            yield launcher, store, crm
        crm.hold.set()


def test_a_resolved_cases_contact_reaches_hubspot_exactly_once_across_a_sigkill(stack):
    launcher, store, crm = stack
    tenants = Tenants(store.engine)
    tenants.put(Tenant(id="acme"))
    ChannelCredentials(store.engine, Sealer([KEY])).connect("acme", "hubspot", "4242", TOKEN)
    store.save([triaged(1, tenant="acme", author="lucia_g", text="Perdieron mi maleta")])
    case_id = store.get("acme:x:1").case_id
    contacts = Contacts(store.engine)
    lucia = contacts.ensure("acme", "x", "lucia_g", "Lucía", datetime.now(UTC))
    contacts.set_consent("acme", lucia, datetime.now(UTC), crm=True)
    book = Casebook(Cases(store.engine), lambda t: tenants.get(t) or Tenant(id=t))
    book.change_status("acme", case_id, Status.resolved, "agent:ana", datetime.now(UTC))

    assert wait_until(lambda: crm.writes[lucia] == 1, 60), "beat never synced the contact"
    for pid in children(launcher.processes["monitor"].pid):
        os.kill(pid, signal.SIGKILL)  # HubSpot has the contact; escucha never heard back
    crm.hold.set()
    outbox = CrmOutbox(store.engine)
    # The contact's row (the note of the case is its own row, created once by its key).
    (row,) = [r for r in outbox.of_tenant("acme") if r.kind == "contact.upsert"]
    assert wait_until(lambda: outbox.get(row.key).status == "sent", 90), outbox.get(row.key)
    assert crm.writes[lucia] == 1  # read back and found, never written again
    assert wait_until(lambda: outbox.counts("acme") == {"sent": 2}, 60), outbox.counts("acme")
    assert len(crm.notes) == 1  # the case's note, created once across the kill
    assert outbox.get(row.key).crm_id == crm.contacts[lucia]["id"]
    properties = crm.contacts[lucia]["properties"]
    assert properties["escucha_contact_id"] == lucia and properties["escucha_crm_opt_in"] == "true"
