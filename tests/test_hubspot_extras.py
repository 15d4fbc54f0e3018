"""HubSpot beyond contacts, on SQLite and PostgreSQL against a local HubSpot over a real socket:
a resolved case as one note on its contact, even after a cut-off sender; a note waiting for its
contact; a lead as one deal on its contact that comes back won; and one rate budget per portal
in a real redis-server, shared by two workers, lowered by HubSpot's headers and held by a 429."""

import html
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis
import time_machine

from escucha.care.crm_sync import (
    BatchReport,
    attribute_conversions,
    enqueue_leads_due,
    enqueue_resolved,
    send_batch,
)
from escucha.care.lifecycle import Status
from escucha.channels.crm.hubspot import Portal, sync_keys
from escucha.channels.crm.rate_budget import RateBudget
from escucha.channels.crm.writes import CASE_RESOLVED, CONTACT_UPSERT, LEAD_CREATED, Upsert
from escucha.core.errors import RateLimited
from escucha.core.models import as_utc
from escucha.core.tenant import Tenant
from escucha.store.cases import Cases
from escucha.store.contacts import Contacts
from escucha.store.crm_outbox import LEASE, Conversions, CrmOutbox, NewWrite
from escucha.store.schema import ConversionRow
from escucha.store.store import Store
from tests.crm_servers import SEARCH, TOKEN, LocalHubSpot
from tests.factories import triaged

pytestmark = pytest.mark.postgres
NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
ACCOUNT = "hubspot:4242"
FIRST = "Perdieron mi maleta <b>otra vez</b> en Barajas y nadie   me dice nada.\n" * 6
ASKS = "¿Cuánto cuesta el plan familiar? Quiero contratarlo hoy"
NOTE_TYPE = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}]
DEAL_TYPE = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]


@pytest.fixture
def hubspot():
    crm = LocalHubSpot()
    with crm.server() as server, httpx.Client(timeout=5) as client:
        yield crm, server, Portal(server.url, TOKEN), client


def resolved_case(engine):
    """Lucía's case, two messages long, resolved at NOW; she agreed to be in the CRM."""
    store = Store(engine)
    store.save([triaged_in(1, FIRST, NOW - timedelta(hours=2)),
                triaged_in(2, "¿Alguien me contesta?", NOW - timedelta(hours=1))])  # fmt: skip
    case_id = store.get("acme:x:1").case_id
    assert store.get("acme:x:2").case_id == case_id
    cases, contacts = Cases(engine), Contacts(engine)
    cases.add_event("acme", case_id, "status", NOW, "agent:ana", status=Status.resolved.value)
    cases.write_projection(case_id, {"resolved_at": NOW, "status": "resolved"}, NOW)
    lucia = contacts.ensure("acme", "x", "lucia_g", "lucia_g", NOW)
    contacts.set_consent("acme", lucia, NOW, crm=True)
    return case_id, lucia


def triaged_in(n, text, at):
    return triaged(n, tenant="acme", author="lucia_g", thread="x:p1", text=text,
                   created_at=at.isoformat())  # fmt: skip


def upserts(claimed):
    return [Upsert(c.row.key, c.row.contact_id, c.row.properties, c.row.kind) for c in claimed]


def drain(outbox, client, portal, at):
    """Send batch after batch, as the task does, until nothing more goes."""
    while send_batch(outbox, client, portal, "acme", ACCOUNT, at).sent:
        pass


def test_a_resolved_case_is_one_note_on_its_contact_even_after_a_cut_off_sender(engine, hubspot):
    crm, server, portal, client = hubspot
    case_id, lucia = resolved_case(engine)
    outbox = CrmOutbox(engine)
    args = (Cases(engine), Contacts(engine), outbox, "acme", ACCOUNT, [case_id], NOW)
    assert enqueue_resolved(*args) == 1
    assert enqueue_resolved(*args) == 0  # the same cycle again: nothing new
    claimed = outbox.claim_batch("acme", ACCOUNT, NOW, 100)
    assert sorted(c.row.kind for c in claimed) == [CASE_RESOLVED, CONTACT_UPSERT]
    # The sender wrote both to HubSpot, then died before writing down the outcome.
    assert len(portal.upsert(client, upserts(claimed)).written) == 2
    later = NOW + LEASE + timedelta(seconds=1)
    report = send_batch(outbox, client, portal, "acme", ACCOUNT, later)
    (note_row,) = [c.row for c in claimed if c.row.kind == CASE_RESOLVED]
    assert report.reconciled == [f"{ACCOUNT}:case.resolved:{case_id}:1"]
    assert report.sent == [note_row.key] and len(server.hits(SEARCH)) == 1  # found, not created
    assert crm.writes[lucia] == 1 and len(crm.notes) == 1
    (note,) = crm.notes.values()
    assert note["contacts"] == [crm.crm_id(lucia)] and note["types"] == NOTE_TYPE
    assert note["properties"]["escucha_note_key"] == note_row.key
    assert note["properties"]["hs_timestamp"] == int(NOW.timestamp() * 1000)
    body = note["properties"]["hs_note_body"]
    assert f"Case {case_id} resolved on x (cycle 1) at {NOW.isoformat()}" in body
    quoted = " ".join(FIRST.split())[:299] + "…"  # the first message, one line, 300 characters
    assert len(quoted) == 300 and html.escape(quoted) in body and "<b>" not in body
    assert "contesta" not in body  # the later message is not the summary
    assert outbox.get(note_row.key).crm_id == note["id"]
    assert outbox.counts("acme") == {"sent": 2}
    assert (
        send_batch(outbox, client, portal, "acme", ACCOUNT, later + timedelta(hours=1)).sent == []
    )


def test_a_note_whose_contact_is_not_in_hubspot_yet_waits_then_goes_once(engine, hubspot):
    crm, server, portal, client = hubspot
    outbox = CrmOutbox(engine)
    facts = {"case_id": "acme:c1", "cycle": "1", "channel": "x", "resolved_at": NOW.isoformat(),
             "summary": "Perdieron mi maleta"}  # fmt: skip
    note = NewWrite(f"{ACCOUNT}:note:1", "acme", ACCOUNT, "ct_1", facts, CASE_RESOLVED)
    outbox.add(note, NOW)
    report = send_batch(outbox, client, portal, "acme", ACCOUNT, NOW, jitter=lambda: 0.5)
    assert report.retried == [note.key] and not report.dead and crm.notes == {}
    row = outbox.get(note.key)
    assert row.status == "pending" and "ct_1 is not in HubSpot yet" in row.last_error
    contact = NewWrite(f"{ACCOUNT}:contact:1", "acme", ACCOUNT, "ct_1", {"escucha_name": "Lucía"})
    outbox.add(contact, NOW + timedelta(seconds=1))
    drain(outbox, client, portal, NOW + timedelta(minutes=5))
    assert outbox.counts("acme") == {"sent": 2}
    (written,) = crm.notes.values()
    assert written["contacts"] == [crm.crm_id("ct_1")]
    assert outbox.get(note.key).crm_id == written["id"]
    assert len(server.hits(SEARCH)) == 1  # tried before: looked for first, then created once


def test_a_lead_is_one_deal_on_its_contact_kept_as_sales_left_it_and_counted_when_won(
    engine, hubspot
):
    crm, _server, portal, client = hubspot
    store, contacts, outbox = Store(engine), Contacts(engine), CrmOutbox(engine)
    store.save([lead_post(7)])
    ana = contacts.ensure("acme", "x", "ana_b", "ana_b", NOW)
    contacts.set_consent("acme", ana, NOW, crm=True)
    since, later = NOW - timedelta(hours=1), NOW + timedelta(minutes=5)
    tenants, portals = [Tenant(id="acme")], {"acme": [ACCOUNT, "salesforce:00D1"]}.get
    assert enqueue_leads_due(contacts, outbox, tenants, since, later, portals) == 1
    assert enqueue_leads_due(contacts, outbox, tenants, since, later, portals) == 0
    claimed = outbox.claim_batch("acme", ACCOUNT, later, 100)
    assert sorted(c.row.kind for c in claimed) == [CONTACT_UPSERT, LEAD_CREATED]
    # The sender wrote both, and died; a fresh write of the same lead upserts the same deal.
    portal.upsert(client, upserts(claimed))
    (lead,) = [u for u in upserts(claimed) if u.kind == LEAD_CREATED]
    assert portal.upsert(client, [lead]).written[lead.trace] in crm.deals
    (deal,) = crm.deals.values()
    assert deal["properties"]["escucha_lead_id"] == "acme:x:7"
    assert deal["properties"]["dealname"] == f"x: {ASKS}"
    assert (deal["properties"]["pipeline"], deal["properties"]["dealstage"]) == (
        "default", "appointmentscheduled",
    )  # fmt: skip
    deal["properties"]["dealstage"] = "closedwon"  # a salesperson won it meanwhile
    report = send_batch(
        outbox, client, portal, "acme", ACCOUNT, later + LEASE + timedelta(seconds=1)
    )
    assert report.sent == [lead.trace] and len(report.reconciled) == 1
    assert len(crm.deals) == 1 and deal["properties"]["dealstage"] == "closedwon"
    assert deal["contacts"] == [crm.crm_id(ana)] and deal["types"][0:1] == DEAL_TYPE
    assert outbox.get(lead.trace).crm_id == deal["id"] and crm.writes[ana] == 1
    # Won, it comes back through HubSpot's webhook as a conversion of Ana's.
    conversions = Conversions(engine)
    conversions.add(ConversionRow(id=f"{ACCOUNT}:1", tenant="acme", deal_id=deal["id"], at=later,
                                  received_at=later))  # fmt: skip
    assert attribute_conversions(conversions, contacts, client, lambda t, a: portal, later) == 1
    (won,) = conversions.of_tenant("acme", since, later + timedelta(days=1))
    assert won.contact_id == ana


def test_one_contacts_events_in_a_batch_are_each_written_and_its_fields_once(engine, hubspot):
    crm, _server, portal, client = hubspot
    store, contacts, outbox = Store(engine), Contacts(engine), CrmOutbox(engine)
    store.save([lead_post(7), lead_post(8, NOW + timedelta(minutes=1))])
    ana = contacts.ensure("acme", "x", "ana_b", "ana_b", NOW)
    contacts.set_consent("acme", ana, NOW, crm=True)
    later = NOW + timedelta(minutes=5)
    assert enqueue_leads_due(contacts, outbox, [Tenant(id="acme")], NOW, later,
                             lambda t: [ACCOUNT]) == 2  # fmt: skip
    report = send_batch(outbox, client, portal, "acme", ACCOUNT, later)
    assert len(report.sent) == 4 and outbox.counts("acme") == {"sent": 4}
    assert crm.writes[ana] == 1  # its two contact rows: one input, the newer speaking
    assert sorted(d["properties"]["escucha_lead_id"] for d in crm.deals.values()) == [
        "acme:x:7", "acme:x:8",
    ]  # fmt: skip
    assert all(d["contacts"] == [crm.crm_id(ana)] for d in crm.deals.values())


def lead_post(n, at=NOW):
    return triaged(n, tenant="acme", author="ana_b", text=ASKS, created_at=at.isoformat())


class Workers:
    """Senders that wait when limited; the clock moves only while every one of them waits, so
    no call is in flight when it does and the server's clock is the budget's."""

    def __init__(self, clock, calls: int) -> None:
        self.clock, self.left = clock, calls
        self.waiting: dict[str, float] = {}
        self.done: set[str] = set()
        self.changed = threading.Condition()

    def run(self, portals: dict[str, Portal], client: httpx.Client) -> None:
        threads = [threading.Thread(target=self._send, args=(name, p, client), daemon=True)
                   for name, p in portals.items()]  # fmt: skip
        for thread in threads:
            thread.start()
        with self.changed:
            while len(self.done) < len(threads):
                if self.waiting and len(self.waiting) + len(self.done) == len(threads):
                    until = min(self.waiting.values()) + 0.001
                    self.clock.move_to(datetime.fromtimestamp(until, UTC))
                    self.waiting.clear()
                    self.changed.notify_all()
                assert self.changed.wait(10), "the workers stopped"

    def _send(self, name: str, portal: Portal, client: httpx.Client) -> None:
        while True:
            with self.changed:
                if self.left == 0:
                    self.done.add(name)
                    self.changed.notify_all()
                    return
                self.left -= 1
            try:
                sync_keys(client, portal, ["ct_1"])
            except RateLimited as limited:
                with self.changed:
                    self.left += 1
                    self.waiting[name] = limited.retry_at
                    self.changed.notify_all()
                    while name in self.waiting:
                        self.changed.wait()


def most_in_a_window(times: list[float], window: float = 10.0) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


@pytest.mark.parametrize("budgeted", [True, False])
def test_two_workers_sharing_a_portals_budget_never_call_more_than_it_allows(
    redis_client, redis_server, budgeted
):
    crm = LocalHubSpot(limit=10)
    connections = [redis.Redis.from_url(redis_server.url) for _ in range(2)]
    with (crm.server() as server, httpx.Client(timeout=5) as client,
          time_machine.travel(NOW, tick=False) as clock):  # fmt: skip
        portals = {
            f"worker-{n}": Portal(server.url, TOKEN, budget=RateBudget(
                connection, ACCOUNT, capacity=10, interval_s=10) if budgeted else None)
            for n, connection in enumerate(connections)
        }  # fmt: skip
        Workers(clock, 30).run(portals, client)
    for connection in connections:
        connection.close()
    if not budgeted:  # the control: the same two workers, unpaced, go over and meet 429s
        assert crm.limited > 0 and most_in_a_window(crm.calls) > 10
        return
    assert len(crm.calls) == 30 and crm.limited == 0  # every call made was taken
    assert most_in_a_window(crm.calls) == 10  # never more than the budget in any 10 s
    assert max(crm.calls) - min(crm.calls) >= 20  # three windows' worth: they waited


def test_a_remaining_header_below_the_bucket_lowers_it(redis_client):
    crm = LocalHubSpot(remaining=2)  # HubSpot says 2 are left: other apps spent the rest
    with (crm.server() as server, httpx.Client(timeout=5) as client,
          time_machine.travel(NOW, tick=False) as clock):  # fmt: skip
        portal = Portal(server.url, TOKEN, budget=RateBudget(redis_client, ACCOUNT, capacity=10))
        for _ in range(3):
            sync_keys(client, portal, ["ct_1"])
        with pytest.raises(RateLimited) as limited:
            sync_keys(client, portal, ["ct_1"])
        assert len(server.seen) == 3  # the fourth call was never made
        assert limited.value.retry_at == pytest.approx(NOW.timestamp() + 10)
        clock.shift(10)
        crm.remaining = None
        sync_keys(client, portal, ["ct_1"])
        assert len(server.seen) == 4


def test_a_429_holds_every_worker_until_its_retry_after(redis_client, redis_server):
    crm = LocalHubSpot(busy=1, retry_after="30")
    other = redis.Redis.from_url(redis_server.url)
    with (crm.server() as server, httpx.Client(timeout=5) as client,
          time_machine.travel(NOW, tick=False) as clock):  # fmt: skip
        first, second = (Portal(server.url, TOKEN, budget=RateBudget(r, ACCOUNT))
                         for r in (redis_client, other))  # fmt: skip
        with pytest.raises(RateLimited) as limited:
            sync_keys(client, first, ["ct_1"])
        assert limited.value.retry_at == NOW.timestamp() + 30
        clock.shift(29)
        for portal in (first, second):
            with pytest.raises(RateLimited) as held:
                sync_keys(client, portal, ["ct_1"])
            assert held.value.retry_at == pytest.approx(NOW.timestamp() + 30)
        assert len(server.seen) == 1  # held: none of them reached HubSpot
        clock.shift(1)
        sync_keys(client, second, ["ct_1"])
        assert len(server.seen) == 2
    other.close()


def test_a_batch_that_spends_the_budget_waits_for_it_and_none_is_claimed_meanwhile(
    engine, redis_client
):
    crm = LocalHubSpot()
    outbox = CrmOutbox(engine)
    facts = {"case_id": "acme:c1", "cycle": "1", "channel": "x", "resolved_at": NOW.isoformat()}
    contact, note, fresh = f"{ACCOUNT}:c", f"{ACCOUNT}:n", f"{ACCOUNT}:later"
    outbox.add(NewWrite(contact, "acme", ACCOUNT, "ct_1", {"escucha_name": "Lucía"}), NOW)
    outbox.add(NewWrite(note, "acme", ACCOUNT, "ct_1", facts, CASE_RESOLVED), NOW)
    with (crm.server() as server, httpx.Client(timeout=5) as client,
          time_machine.travel(NOW, tick=False)):  # fmt: skip
        budget = RateBudget(redis_client, ACCOUNT, capacity=1)  # the contact's call, no more
        portal = Portal(server.url, TOKEN, budget=budget)
        report = send_batch(outbox, client, portal, "acme", ACCOUNT, NOW, jitter=lambda: 0.0)
        assert report.sent == [contact] and report.retried == [note]
        assert len(server.seen) == 1 and crm.notes == {}  # the note's call was never made
        row = outbox.get(note)
        assert "rate budget" in row.last_error
        assert as_utc(row.next_attempt_at) >= NOW + timedelta(seconds=10)  # when a token is back
        # While it is spent, a due row is not even claimed: no attempt of its is spent waiting.
        outbox.add(NewWrite(fresh, "acme", ACCOUNT, "ct_2", {"escucha_name": "Ana"}), NOW)
        assert send_batch(outbox, client, portal, "acme", ACCOUNT, NOW) == BatchReport()
        assert outbox.get(fresh).attempts == 0 and len(server.seen) == 1
    at = NOW + timedelta(seconds=10)
    with (crm.server() as server, httpx.Client(timeout=5) as client,
          time_machine.travel(at, tick=False)):  # fmt: skip
        portal = Portal(server.url, TOKEN, budget=RateBudget(redis_client, ACCOUNT, capacity=5))
        assert sorted(send_batch(outbox, client, portal, "acme", ACCOUNT, at).sent) == [
            fresh, note,
        ]  # fmt: skip
    assert len(crm.notes) == 1 and crm.writes == {"ct_1": 1, "ct_2": 1}
