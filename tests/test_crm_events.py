"""Any other CRM through signed webhooks, and Salesforce through the same sync, on SQLite and
PostgreSQL over real sockets: each event signed as Standard Webhooks and sent once per key,
the same webhook-id after a cut-off, Retry-After honoured, refusals dead-lettered, leads only
of people who agreed, tenants apart."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine

from escucha.care.crm_events import CASE, CONTACT, LEAD, Endpoint
from escucha.care.crm_sync import enqueue_leads, enqueue_resolved, send_batch
from escucha.care.lifecycle import Status
from escucha.channels.crm.salesforce import Org
from escucha.channels.crm.writes import Upsert
from escucha.insight.alerts.destination import new_webhook_secret
from escucha.insight.alerts.standard_webhooks import WebhookVerificationError, verify
from escucha.store.cases import Cases
from escucha.store.contacts import Contacts
from escucha.store.crm_outbox import LEASE, CrmOutbox, NewWrite
from escucha.store.store import Store
from tests.factories import triaged
from tests.platform_servers import PlatformServer, Reply, Seen
from tests.salesforce_server import TOKEN as SALESFORCE_TOKEN
from tests.salesforce_server import LocalSalesforce

pytestmark = pytest.mark.postgres
NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
HOOK = "webhook:acme/pipedrive"
SECRET = new_webhook_secret()


class Receiver:
    """A CRM's webhook endpoint: checks every signature, keeps what it took, can refuse."""

    def __init__(self) -> None:
        self.took: list[dict] = []
        self.ids: list[str] = []
        self.answers: list[Reply] = []  # answered first, in order, before taking anything

    def route(self, request: Seen) -> Reply:
        try:
            verify(SECRET, request.headers, request.body, NOW.timestamp())
        except WebhookVerificationError as error:
            return Reply(401, {"error": str(error)})
        if self.answers:
            return self.answers.pop(0)
        self.took.append(request.json())
        self.ids.append(request.headers["webhook-id"])
        return Reply(204)


@pytest.fixture
def receiver():
    crm = Receiver()
    with PlatformServer({"/hooks/escucha": crm.route}) as server, httpx.Client(timeout=5) as c:
        yield crm, Endpoint(f"{server.url}/hooks/escucha", SECRET, clock=NOW.timestamp), c


def resolved_case(engine, tenant="acme", n=1, consent=True):
    store = Store(engine)
    store.save([triaged(n, tenant=tenant, author="lucia_g", text="Perdieron mi maleta")])
    case_id = store.get(f"{tenant}:x:{n}").case_id
    cases, contacts = Cases(engine), Contacts(engine)
    cases.add_event(tenant, case_id, "status", NOW, "agent:ana", status=Status.resolved.value)
    cases.write_projection(case_id, {"resolved_at": NOW, "status": "resolved"}, NOW)
    lucia = contacts.ensure(tenant, "x", "lucia_g", "lucia_g", NOW)
    contacts.set_consent(tenant, lucia, NOW, crm=consent)
    return case_id, lucia


def drain(outbox, client, crm, account=HOOK, at=NOW, tenant="acme"):
    """Send batch after batch, as the task does, until nothing more goes."""
    reports = []
    while (report := send_batch(outbox, client, crm, tenant, account, at)).sent:
        reports.append(report)
    return [*reports, report]


def test_a_resolved_case_sends_its_contact_then_the_case_each_signed_and_once(engine, receiver):
    crm, endpoint, client = receiver
    case_id, lucia = resolved_case(engine)
    outbox = CrmOutbox(engine)
    args = (Cases(engine), Contacts(engine), outbox, "acme", HOOK, [case_id], NOW)
    assert enqueue_resolved(*args) == 1
    assert enqueue_resolved(*args) == 0  # the same cycle again: nothing new
    drain(outbox, client, endpoint)
    drain(outbox, client, endpoint)  # nothing is due any more
    # Webhooks promise no order: each event carries the contact it is about.
    took = sorted(crm.took, key=lambda event: event["type"] != CONTACT)
    assert [event["type"] for event in took] == [CONTACT, CASE]
    contact, case = (event["data"] for event in took)
    assert contact["contact_id"] == lucia and contact["escucha_crm_opt_in"] == "true"
    assert case == {"contact_id": lucia, "case_id": case_id, "cycle": "1", "channel": "x",
                    "resolved_at": NOW.isoformat()}  # fmt: skip
    assert all(event["timestamp"] == NOW.isoformat() for event in crm.took)
    assert len(set(crm.ids)) == 2 and all(i.startswith("msg_") for i in crm.ids)


def test_a_cut_off_event_goes_again_under_the_same_webhook_id(engine, receiver):
    crm, endpoint, client = receiver
    outbox = CrmOutbox(engine)
    outbox.add(NewWrite(f"{HOOK}:x", "acme", HOOK, "ct_1", {"escucha_name": "Lucía"}), NOW)
    (claimed,) = outbox.claim_batch("acme", HOOK, NOW, 1)
    # The sender posted the event and was killed before writing down that it had.
    endpoint.upsert(client, [Upsert(claimed.row.key, "ct_1", claimed.row.properties)])
    later = NOW + LEASE + timedelta(seconds=1)
    report = send_batch(outbox, client, endpoint, "acme", HOOK, later)
    assert report.sent == [f"{HOOK}:x"] and outbox.get(f"{HOOK}:x").status == "sent"
    assert len(crm.ids) == 2 and crm.ids[0] == crm.ids[1]  # the receiver can tell: once


def test_a_busy_receiver_is_waited_for_and_a_refusal_is_a_dead_letter(engine, receiver):
    crm, endpoint, client = receiver
    outbox = CrmOutbox(engine)
    outbox.add(NewWrite(f"{HOOK}:a", "acme", HOOK, "ct_1", {"escucha_name": "Ana"}), NOW)
    crm.answers = [Reply(429, {"error": "slow down"}, {"Retry-After": "90"}),
                   Reply(422, {"error": "unknown field escucha_name"})]  # fmt: skip
    with time_machine.travel(NOW, tick=False):  # Retry-After is read against the clock
        report = send_batch(outbox, client, endpoint, "acme", HOOK, NOW, jitter=lambda: 0.0)
    assert report.retried == [f"{HOOK}:a"]
    assert outbox.claim_batch("acme", HOOK, NOW + timedelta(seconds=60), 1) == []
    report = send_batch(outbox, client, endpoint, "acme", HOOK, NOW + timedelta(seconds=91))
    assert "unknown field escucha_name" in report.dead[f"{HOOK}:a"]
    assert outbox.get(f"{HOOK}:a").status == "dead" and crm.took == []


def test_a_lead_is_sent_once_only_for_someone_who_agreed_and_only_to_its_tenant(engine, receiver):
    crm, endpoint, client = receiver
    store, contacts, outbox = Store(engine), Contacts(engine), CrmOutbox(engine)
    asks = "¿Cuánto cuesta el plan familiar? Quiero contratarlo hoy"
    store.save([triaged(7, tenant="acme", author="ana_b", text=asks, created_at=NOW.isoformat()),
                triaged(8, tenant="acme", author="luis_c", text=asks, created_at=NOW.isoformat()),
                triaged(9, tenant="otra", author="ana_b", text=asks,
                        created_at=NOW.isoformat())])  # fmt: skip
    ana = contacts.ensure("acme", "x", "ana_b", "ana_b", NOW)
    contacts.set_consent("acme", ana, NOW, crm=True)  # luis_c never agreed
    since, later = NOW - timedelta(hours=1), NOW + timedelta(minutes=5)
    assert enqueue_leads(contacts, outbox, "acme", HOOK, since, later) == 1
    assert enqueue_leads(contacts, outbox, "acme", HOOK, since, later) == 0
    assert enqueue_leads(contacts, outbox, "acme", "hubspot:4242", since, later) == 0
    drain(outbox, client, endpoint, at=later)
    (event,) = crm.took
    assert event["type"] == LEAD and event["data"]["contact_id"] == ana
    assert event["data"]["mention_id"] == "acme:x:7" and "plan familiar" in event["data"]["text"]
    assert outbox.of_tenant("otra") == []


def test_salesforce_takes_the_same_batches_and_one_bad_record_blocks_no_other(engine):
    org = LocalSalesforce()
    outbox = CrmOutbox(engine)
    account = "salesforce:00D000000000001"
    for n in range(3):
        email = "no-at-sign" if n == 1 else f"c{n}@example.com"
        outbox.add(NewWrite(f"{account}:{n}", "acme", account, f"ct_{n}",
                            {"escucha_name": f"Cliente {n}", "email": email}), NOW)  # fmt: skip
    with org.server() as server, httpx.Client(timeout=5) as client:
        report = send_batch(outbox, client, Org(server.url, SALESFORCE_TOKEN), "acme", account,
                            NOW)  # fmt: skip
    assert sorted(report.sent) == [f"{account}:0", f"{account}:2"]
    assert "INVALID_EMAIL_ADDRESS" in report.dead[f"{account}:1"]
    assert org.record("ct_0")["Email"] == "c0@example.com"
    assert org.writes["ct_0"] == 1 and "ct_1" not in org.contacts


def test_a_webhooks_address_is_listed_by_its_host_only_and_its_secret_never(engine):
    from escucha.core.sealed import Sealer, new_key
    from escucha.core.tenant import Tenant
    from escucha.store.channel_credentials import ChannelCredentials
    from escucha.store.tenants import Tenants

    Tenants(engine).put(Tenant(id="acme"))
    channels = ChannelCredentials(engine, Sealer([new_key()]))
    url = "https://hooks.example.com/catch/123/s3cr3t-path"
    channels.connect("acme", "webhook", "acme/zapier", SECRET, url=url)
    (listed,) = channels.of_tenant("acme")
    assert listed.details == {"url": "https://hooks.example.com/…"}
    assert SECRET not in repr(listed) and "s3cr3t" not in repr(listed)
    assert channels.opened("acme", "webhook:acme/zapier") == (SECRET, {"url": url})
