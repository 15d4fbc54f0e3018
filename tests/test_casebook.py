"""Stored cases kept true to their history, on SQLite and PostgreSQL, with SLA events published
once to a real Redis stream."""

from datetime import UTC, datetime, timedelta

import pytest

from escucha.care.casebook import Casebook
from escucha.care.lifecycle import LifecycleError, Status
from escucha.core.models import as_utc
from escucha.core.tenant import Tenant
from escucha.pipeline import events
from escucha.store.cases import CaseFilter, Cases
from escucha.store.migrate import upgrade
from escucha.store.outbox import NewReply, Outbox
from escucha.store.store import Store
from tests.factories import triaged

pytestmark = pytest.mark.postgres
ACME = Tenant(id="acme", timezone="UTC", hours="24/7")
WROTE = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
COMPLAINT = "@aerosol llevo 3 días sin respuesta, el pedido no llega y nadie contesta"


@pytest.fixture
def book(database_url, redis_client):
    upgrade(database_url)
    store = Store.from_url(database_url)

    def publish(tenant, event, case_id):
        events.publish_once(redis_client, tenant, event.key, event.kind, case_id=case_id,
                            target=event.target)  # fmt: skip

    yield store, Casebook(Cases(store.engine), lambda _: ACME, publish)
    store.dispose()


def complaint(n=1, at=WROTE, author="lucia", text=COMPLAINT, tenant="acme", **more):
    return triaged(n, config=ACME.model_copy(update={"id": tenant}), author=author, text=text,
                   created_at=at.isoformat(), tenant=tenant, **more)  # fmt: skip


def sent_reply(store, case_id, at, key="r1"):
    outbox = Outbox(store.engine)
    outbox.add(NewReply(key=key, tenant="acme", account="x:7", platform="x", in_reply_to="1",
                        text="Hola", case_id=case_id), at)  # fmt: skip
    claimed = outbox.claim(key, at)
    outbox.sent(claimed, f"9{key}", at)


def test_a_stored_complaint_becomes_a_new_case_with_clocks_and_explanations(book):
    store, casebook = book
    store.save([complaint()])
    case_id = complaint().triage.case_key
    # The store marks it with its own clock (the real one): a sweep just after finds it.
    marked = casebook.cases.to_check(datetime.now(UTC) + timedelta(minutes=1))
    assert marked == [case_id]  # marked, not yet run
    projection = casebook.refresh([case_id], WROTE)[case_id]
    row = casebook.cases.get("acme", case_id)
    assert row is not None and row.status == "new" and row.policy == projection.policy
    assert {t["target"] for t in row.sla} == {"first_response", "next_response", "resolution"} - {
        "next_response"
    }  # next response starts only after a first answer
    assert all(t["explanation"].startswith("vence el") for t in row.sla)
    assert as_utc(row.check_at) == projection.check_at > WROTE


def test_a_sent_reply_meets_the_first_response_and_publishes_met_once(book, redis_client):
    store, casebook = book
    store.save([complaint()])
    case_id = complaint().triage.case_key
    answered = WROTE + timedelta(minutes=20)
    sent_reply(store, case_id, answered)
    for _ in range(2):  # a second refresh (a redelivery, a sweep) changes nothing
        casebook.refresh([case_id], answered)
    row = casebook.cases.get("acme", case_id)
    first = next(t for t in row.sla if t["target"] == "first_response")
    assert row.status == "open" and first["met_at"] is not None
    published = [e for e in events.read(redis_client, "acme") if e["type"].startswith("sla.")]
    assert [(e["type"], e["target"]) for e in published] == [("sla.met", "first_response")]


def test_status_changes_are_checked_and_thanks_after_resolution_reopens_nothing(book):
    store, casebook = book
    store.save([complaint()])
    case_id = complaint().triage.case_key
    sent_reply(store, case_id, WROTE + timedelta(minutes=5))
    resolved = casebook.change_status("acme", case_id, Status.resolved, "ana",
                                      WROTE + timedelta(minutes=6))  # fmt: skip
    assert resolved.status is Status.resolved
    thanks = complaint(2, at=WROTE + timedelta(minutes=30), text="gracias!")
    joined = thanks.triage.model_copy(update={"case_key": case_id})  # as a reply chain joins
    store.save([thanks.model_copy(update={"triage": joined})])
    after = casebook.refresh([case_id], WROTE + timedelta(hours=1))[case_id]
    assert len(casebook.cases.history(case_id).mentions) == 2  # recorded on the case
    assert after.status is Status.resolved and after.cycle == 1 and after.sla_state == "met"
    again = complaint(3, at=WROTE + timedelta(hours=2), text="sigue sin llegar el pedido, nadie")
    store.save([again])
    reopened = casebook.refresh([case_id], WROTE + timedelta(hours=2))[case_id]
    assert reopened.status is Status.open and reopened.cycle == 2
    with pytest.raises(LifecycleError, match="cannot go from open to new"):
        casebook.change_status("acme", case_id, Status.new, "ana", WROTE + timedelta(hours=3))
    logged = [(e.kind, e.actor, e.data) for e in casebook.cases.events(case_id)]
    assert logged == [("status", "ana", {"status": "resolved"})]


def test_merging_is_soft_and_undoable_and_the_survivor_is_chosen(book):
    store, casebook = book
    store.save(
        [
            complaint(1, author="lucia"),
            complaint(2, author="lucia_alt", at=WROTE + timedelta(minutes=1)),
        ]
    )
    keep, fold = complaint(1).triage.case_key, complaint(2, author="lucia_alt").triage.case_key
    casebook.refresh([keep, fold], WROTE + timedelta(minutes=2))
    casebook.merge("acme", keep, fold, "ana", WROTE + timedelta(minutes=3))
    listed = [c.id for c in casebook.cases.listing("acme", CaseFilter())]
    assert listed == [keep]
    assert len(casebook.cases.history(keep).mentions) == 2
    with pytest.raises(LifecycleError, match="already merged"):
        casebook.merge("acme", keep, fold, "ana", WROTE + timedelta(minutes=4))
    assert casebook.unmerge("acme", fold, "ana", WROTE + timedelta(minutes=5)) == keep
    assert sorted(c.id for c in casebook.cases.listing("acme", CaseFilter())) == sorted(
        [keep, fold]
    )
    assert len(casebook.cases.history(keep).mentions) == 1


def test_another_tenants_case_is_not_there(book):
    store, casebook = book
    store.save([complaint(tenant="beta")])
    theirs = complaint(tenant="beta").triage.case_key
    casebook.refresh([theirs], WROTE)
    assert casebook.cases.get("acme", theirs) is None
    assert casebook.cases.listing("acme", CaseFilter()) == []
    with pytest.raises(KeyError):
        casebook.change_status("acme", theirs, Status.resolved, "ana", WROTE)
    with pytest.raises(KeyError):
        casebook.merge("acme", theirs, theirs + "x", "ana", WROTE)


def test_the_listing_puts_breached_first_and_pages_with_a_cursor(book):
    from escucha.store.cases import rank_of

    store, casebook = book
    early = complaint(1, author="early", at=WROTE - timedelta(days=3))
    fresh = [complaint(n, author=f"fresh{n}", at=WROTE) for n in range(2, 5)]
    store.save([early, *fresh])
    ids = [m.triage.case_key for m in (early, *fresh)]
    casebook.refresh(ids, WROTE)
    listed = casebook.cases.listing("acme", CaseFilter(limit=2))
    assert listed[0].id == early.triage.case_key and listed[0].sla_state == "breached"
    rest = casebook.cases.listing("acme", CaseFilter(limit=10), after=rank_of(listed[-1]))
    assert len(listed) + len(rest) == 4 and not {c.id for c in listed} & {c.id for c in rest}
    assert [c.id for c in casebook.cases.listing("acme", CaseFilter(sla="breached"))] == [ids[0]]
    assert casebook.cases.listing("acme", CaseFilter(q="100%_no")) == []  # wildcards are text
    assert len(casebook.cases.listing("acme", CaseFilter(q="NADIE contesta"))) == 4


def test_a_reply_to_our_answer_joins_the_case_and_thanks_there_reopens_nothing(book):
    store, casebook = book
    store.save([complaint()])
    case_id = complaint().triage.case_key
    sent_reply(store, case_id, WROTE + timedelta(minutes=5))  # the platform's id: "9r1"
    casebook.change_status("acme", case_id, Status.resolved, "ana", WROTE + timedelta(minutes=6))
    thanks = complaint(2, at=WROTE + timedelta(minutes=30), text="gracias!", in_reply_to="x:9r1")
    assert thanks.triage.case_key is None  # triage alone would open no case for it
    store.save([thanks])
    assert store.get(thanks.id).case_id == case_id  # the thread is the case
    after = casebook.refresh([case_id], WROTE + timedelta(hours=1))[case_id]
    assert len(casebook.cases.history(case_id).mentions) == 2
    assert after.status is Status.resolved and after.cycle == 1


def test_a_reply_chain_joins_only_its_own_customers_case(book):
    store, _ = book
    first = complaint(1, author="lucia")
    store.save([first])
    again = complaint(
        2,
        author="lucia",
        at=WROTE + timedelta(minutes=1),
        text="@aerosol sigo esperando, nadie contesta",
        in_reply_to="x:1",
    )
    stranger = complaint(
        3,
        author="pedro",
        at=WROTE + timedelta(minutes=2),
        text="@aerosol a mí tampoco me contestan nadie",
        in_reply_to="x:1",
    )
    other_tenant = complaint(4, author="lucia", tenant="beta", in_reply_to="x:1")
    store.save([again, stranger, other_tenant])
    assert store.get(again.id).case_id == first.triage.case_key
    assert store.get(stranger.id).case_id == stranger.triage.case_key != first.triage.case_key
    assert store.get(other_tenant.id).case_id == other_tenant.triage.case_key
