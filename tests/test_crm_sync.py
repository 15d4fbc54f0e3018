"""CRM sync on SQLite and PostgreSQL against a local HubSpot over a real socket: batches of
100 where one bad record never blocks the other 99, no write twice after a cut-off sender,
Retry-After honoured, consent respected, and no field the CRM owns ever blanked."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine

from escucha.care.care_history import RecoverySources, complaint_recovery, ror_ledger
from escucha.care.crm_sync import (
    attribute_conversions,
    enqueue_consent,
    enqueue_resolved,
    outgoing,
    send_batch,
)
from escucha.care.lifecycle import Status
from escucha.channels.crm.hubspot import Portal, upsert_contacts
from escucha.channels.crm.writes import Upsert
from escucha.core.models import as_utc
from escucha.store.cases import Cases
from escucha.store.contacts import Contacts
from escucha.store.crm_outbox import LEASE, Conversions, CrmOutbox, NewWrite
from escucha.store.outbox import Outbox
from escucha.store.schema import ConversionRow
from escucha.store.store import Store
from tests.crm_servers import TOKEN, LocalHubSpot
from tests.factories import triaged

NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
ACCOUNT = "hubspot:4242"


@pytest.fixture
def hubspot():
    crm = LocalHubSpot()
    with crm.server() as server, httpx.Client(timeout=5) as client:
        yield crm, Portal(server.url, TOKEN), client


def writes(count: int, bad: int | None = None) -> list[NewWrite]:
    return [
        NewWrite(f"case.resolved:c{n}:1", "acme", ACCOUNT, f"ct_{n:04d}",
                 {"firstname": f"Cliente {n}", "email": "no-at-sign" if n == bad else
                  f"c{n}@example.com"})
        for n in range(count)
    ]  # fmt: skip


def test_a_batch_of_100_with_one_invalid_record_stores_the_other_99(engine, hubspot):
    crm, portal, client = hubspot
    outbox = CrmOutbox(engine)
    for write in writes(100, bad=37):
        assert outbox.add(write, NOW)
    assert not outbox.add(writes(1)[0], NOW)  # the same cause twice: one row
    report = send_batch(outbox, client, portal, "acme", ACCOUNT, NOW)
    assert len(report.sent) == 99 and list(report.dead) == ["case.resolved:c37:1"]
    assert "VALIDATION_ERROR" in report.dead["case.resolved:c37:1"]
    assert len(crm.contacts) == 99 and "ct_0037" not in crm.contacts
    assert outbox.counts("acme") == {"sent": 99, "dead": 1}
    record = crm.contacts["ct_0001"]["properties"]
    assert record["escucha_contact_id"] == "ct_0001"
    assert record["escucha_sync_key"] == "case.resolved:c1:1"
    assert outbox.get("case.resolved:c1:1").crm_id == crm.contacts["ct_0001"]["id"]


def test_a_cut_off_senders_batch_is_read_back_not_written_again(engine, hubspot):
    crm, portal, client = hubspot
    outbox = CrmOutbox(engine)
    for write in writes(5):
        outbox.add(write, NOW)
    claimed = outbox.claim_batch("acme", ACCOUNT, NOW, 100)
    # The sender wrote to HubSpot, then died before writing down the outcome.
    upsert_contacts(client, portal, [Upsert(c.row.key, c.row.contact_id, c.row.properties)
                                     for c in claimed[:3]])  # fmt: skip
    assert send_batch(outbox, client, portal, "acme", ACCOUNT, NOW).sent == []  # still leased
    later = NOW + LEASE + timedelta(seconds=1)
    report = send_batch(outbox, client, portal, "acme", ACCOUNT, later)
    assert sorted(report.reconciled) == [f"case.resolved:c{n}:1" for n in range(3)]
    assert sorted(report.sent) == ["case.resolved:c3:1", "case.resolved:c4:1"]
    assert set(crm.writes.values()) == {1}  # every contact written exactly once
    assert outbox.counts("acme") == {"sent": 5}


def test_a_rate_limit_waits_for_retry_after_then_goes_through(engine, hubspot):
    crm, portal, client = hubspot
    crm.busy, crm.retry_after = 1, "30"
    outbox = CrmOutbox(engine)
    outbox.add(writes(1)[0], NOW)
    with time_machine.travel(NOW, tick=False):  # Retry-After counts from the wall clock
        report = send_batch(outbox, client, portal, "acme", ACCOUNT, NOW, jitter=lambda: 0.0)
    assert report.retried == ["case.resolved:c0:1"]
    row = outbox.get("case.resolved:c0:1")
    assert row.status == "pending" and "rate limited" in row.last_error
    assert as_utc(row.next_attempt_at) - NOW >= timedelta(seconds=30)  # never before it said
    assert send_batch(outbox, client, portal, "acme", ACCOUNT, NOW).sent == []  # not yet due
    report = send_batch(outbox, client, portal, "acme", ACCOUNT, NOW + timedelta(seconds=31))
    assert report.sent == ["case.resolved:c0:1"] and crm.writes["ct_0000"] == 1


def test_a_refused_token_dead_letters_the_batch_with_the_crms_answer(engine, hubspot):
    crm, portal, client = hubspot
    outbox = CrmOutbox(engine)
    outbox.add(writes(1)[0], NOW)
    report = send_batch(outbox, client, Portal(portal.url, "wrong"), "acme", ACCOUNT, NOW)
    assert "401" in report.dead["case.resolved:c0:1"] and not crm.contacts


def test_a_resolved_case_puts_its_contact_in_the_outbox_once_and_only_with_consent(engine):
    store = Store(engine)
    store.save([triaged(1, tenant="acme", author="lucia_g", text="Perdieron mi maleta")])
    case_id = store.get("acme:x:1").case_id
    cases, contacts, outbox = Cases(engine), Contacts(engine), CrmOutbox(engine)
    cases.add_event("acme", case_id, "status", NOW, "agent:ana", status=Status.resolved.value)
    cases.write_projection(case_id, {"resolved_at": NOW, "status": "resolved"}, NOW)
    assert enqueue_resolved(cases, contacts, outbox, "acme", ACCOUNT, [case_id], NOW) == 0
    lucia = contacts.ensure("acme", "x", "lucia_g", "lucia_g", NOW)
    contacts.set_consent("acme", lucia, NOW, crm=True)
    assert enqueue_resolved(cases, contacts, outbox, "acme", ACCOUNT, [case_id], NOW) == 1
    assert enqueue_resolved(cases, contacts, outbox, "acme", ACCOUNT, [case_id], NOW) == 0
    # HubSpot also gets the case as a note on the contact: its own row, its own key.
    note, row = sorted(outbox.of_tenant("acme"), key=lambda r: r.kind != "case.resolved")
    assert row.contact_id == lucia and row.properties["escucha_crm_opt_in"] == "true"
    assert row.key == f"{ACCOUNT}:case.resolved:{case_id}:1" and row.kind == "contact.upsert"
    assert note.contact_id == lucia and note.key.startswith(f"{ACCOUNT}:note:")
    assert note.properties["summary"] == "Perdieron mi maleta"
    assert enqueue_resolved(cases, contacts, outbox, "other", ACCOUNT, [case_id], NOW) == 0


def test_escucha_never_blanks_a_field_the_crm_owns():
    sent = outgoing({"firstname": "", "email": None, "phone": "+34600",
                     "escucha_last_case": None, "lifecyclestage": "customer"})  # fmt: skip
    assert sent == {"phone": "+34600", "escucha_last_case": ""}


def test_a_won_deal_is_attributed_to_its_contact_and_recovers_a_complainer(engine, hubspot):
    crm, portal, client = hubspot
    store = Store(engine)
    store.save([triaged(1, tenant="acme", author="lucia_g", text="Perdieron mi maleta, fatal")])
    wrote = as_utc(store.get("acme:x:1").created_at)
    contacts, conversions = Contacts(engine), Conversions(engine)
    lucia = contacts.ensure("acme", "x", "lucia_g", "Lucía", NOW)
    outbox = CrmOutbox(engine)
    outbox.add(NewWrite(f"{ACCOUNT}:case.resolved:c1:1", "acme", ACCOUNT, lucia, {}), NOW)
    send_batch(outbox, client, portal, "acme", ACCOUNT, NOW)
    crm.deal("9001", lucia, amount="120.50")
    crm.deal("404", amount="999")  # a deal with someone escucha never met
    bought = wrote + timedelta(days=12)
    conversions.add(ConversionRow(id=f"{ACCOUNT}:77", tenant="acme", deal_id="9001", at=bought,
                                  received_at=bought))  # fmt: skip
    conversions.add(ConversionRow(id=f"{ACCOUNT}:78", tenant="acme", deal_id="404", at=bought,
                                  received_at=bought))  # fmt: skip
    assert attribute_conversions(conversions, contacts, client, lambda t, a: portal, NOW) == 1
    assert conversions.unattributed(NOW) == []  # the stranger's deal was asked about just now
    later = [c.deal_id for c in conversions.unattributed(NOW + timedelta(hours=7))]
    assert later == ["404"]  # and is asked about again, hours later, not every tick
    since = wrote - timedelta(days=1)
    sources = RecoverySources(Cases(engine), contacts, conversions, Outbox(engine))
    figures = complaint_recovery(sources, "acme", since, wrote + timedelta(days=1),
                                 wrote + timedelta(days=90))  # fmt: skip
    assert figures.complainers == 1 and figures.by == {"purchase": 1}
    assert figures.median_days_to_recovery == 12
    ledger = ror_ledger(sources, "acme", since, wrote + timedelta(days=30),
                        wrote + timedelta(days=90))  # fmt: skip
    assert (ledger.deals_won, ledger.revenue, ledger.recovered_complaints) == (1, 120.5, 1)
    assert ledger.lines[0].person == lucia and ledger.deals_without_amount == 0


def test_a_newer_write_settles_an_older_one_still_waiting_so_it_never_overwrites(engine, hubspot):
    crm, portal, client = hubspot
    outbox = CrmOutbox(engine)
    older = NewWrite(f"{ACCOUNT}:a", "acme", ACCOUNT, "ct_1", {"escucha_crm_opt_in": "true"})
    outbox.add(older, NOW)
    crm.busy = 1  # the older one meets a rate limit and waits, well past the newer one's send
    with time_machine.travel(NOW, tick=False):
        report = send_batch(outbox, client, portal, "acme", ACCOUNT, NOW, jitter=lambda: 0.5)
        assert report.retried == [older.key]
    newer = NewWrite(f"{ACCOUNT}:b", "acme", ACCOUNT, "ct_1", {"escucha_crm_opt_in": "false"})
    outbox.add(newer, NOW + timedelta(seconds=1))
    report = send_batch(outbox, client, portal, "acme", ACCOUNT, NOW + timedelta(seconds=1))
    assert report.sent == [newer.key]
    assert outbox.get(older.key).status == "sent"
    assert outbox.get(older.key).last_error == f"superseded by {newer.key}"
    later = NOW + timedelta(hours=1)
    assert send_batch(outbox, client, portal, "acme", ACCOUNT, later).sent == []
    assert crm.contacts["ct_1"]["properties"]["escucha_crm_opt_in"] == "false"


def test_an_opt_out_reaches_the_crm_with_nothing_else_and_a_stranger_is_never_written(engine):
    contacts, outbox = Contacts(engine), CrmOutbox(engine)
    lucia = contacts.ensure("acme", "x", "lucia_g", "Lucía", NOW)
    contacts.add_identity("acme", lucia, "email", "lucia@example.com", True, NOW)
    assert not enqueue_consent(contacts, outbox, "acme", ACCOUNT, lucia, NOW)  # never in it
    outbox.add(NewWrite(f"{ACCOUNT}:first", "acme", ACCOUNT, lucia, {}), NOW)
    (claimed,) = outbox.claim_batch("acme", ACCOUNT, NOW, 10)
    outbox.sent(claimed, "5001", NOW)
    contacts.set_consent("acme", lucia, NOW, crm=False, marketing=False)
    assert enqueue_consent(contacts, outbox, "acme", ACCOUNT, lucia, NOW)
    [opt_out] = [r for r in outbox.of_tenant("acme") if ":consent:" in r.key]
    assert opt_out.properties == {"escucha_crm_opt_in": "false",
                                  "escucha_marketing_opt_in": "false"}  # fmt: skip
