"""Histories read in bulk are the histories read one case at a time: merged-in cases inside,
replies through escucha counted once, the business's answers on the platform, reopens; and
another tenant's cases are never among them. On SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from escucha.care.casebook import Casebook
from escucha.care.lifecycle import Status
from escucha.core.tenant import Tenant
from escucha.store import cases as cases_module
from escucha.store.cases import Cases, History
from escucha.store.migrate import upgrade
from escucha.store.outbox import NewReply, Outbox
from escucha.store.store import Store
from tests.factories import triaged

pytestmark = pytest.mark.postgres
ACME = Tenant(id="acme", timezone="UTC", hours="24/7")
WROTE = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
COMPLAINT = "@aerosol llevo 3 días sin respuesta, el pedido no llega y nadie contesta"


def said(n, at, author="lucia", tenant="acme", text=COMPLAINT, **more):
    return triaged(n, config=ACME.model_copy(update={"id": tenant}), author=author, text=text,
                   created_at=at.isoformat(), tenant=tenant, **more)  # fmt: skip


def sent_reply(store, case_id, at, key):
    outbox = Outbox(store.engine)
    outbox.add(NewReply(key=key, tenant="acme", account="x:7", platform="x", in_reply_to="1",
                        text="Hola, lo miramos", case_id=case_id), at)  # fmt: skip
    outbox.sent(outbox.claim(key, at), f"9{key}", at)


def shape(history: History) -> tuple[object, ...]:
    """What a history holds, comparable across sessions (rows are compared by identity)."""
    return (history.case.id, history.case.tenant, [m.id for m in history.mentions],
            [r.key for r in history.replies], [e.id for e in history.events])  # fmt: skip


@pytest.fixture
def stored(database_url):
    """Lucía's case (answered, resolved, thanked, reopened) with Pedro's merged into it,
    María's untouched, and a case of another tenant with Lucía's name on it."""
    upgrade(database_url)
    store = Store.from_url(database_url)
    book = Casebook(Cases(store.engine), lambda _: ACME)
    first, other = said(1, WROTE), said(2, WROTE + timedelta(minutes=3), author="pedro")
    plain = said(3, WROTE + timedelta(minutes=4), author="maria")
    foreign = said(4, WROTE, tenant="beta")
    store.save([first, other, plain, foreign])
    lucia, pedro = first.triage.case_key, other.triage.case_key
    book.merge("acme", lucia, pedro, "ana", WROTE + timedelta(minutes=4))
    sent_reply(store, lucia, WROTE + timedelta(minutes=5), "r1")  # comes back as x:9r1
    ours = said(5, WROTE + timedelta(minutes=5), author="aerosol", id="9r1",
                text="Hola, lo miramos", inbound=False, in_reply_to="x:1")  # fmt: skip
    answer = said(6, WROTE + timedelta(minutes=7), author="aerosol", text="Te escribimos por DM",
                  inbound=False, in_reply_to="x:2")  # fmt: skip
    store.save([ours, answer])
    book.change_status("acme", lucia, Status.resolved, "ana", WROTE + timedelta(minutes=8))
    thanks = said(7, WROTE + timedelta(minutes=30), text="gracias!", in_reply_to="x:9r1")
    store.save([thanks])
    store.save([said(8, WROTE + timedelta(days=2), text="@aerosol otra vez roto, nadie contesta")])
    reopened = book.refresh([lucia, pedro], WROTE + timedelta(days=2))[lucia]
    assert reopened.cycle == 2  # her new complaint reopened it
    yield store, [lucia, pedro, plain.triage.case_key, foreign.triage.case_key, "acme:nope"]
    store.dispose()


def test_bulk_histories_equal_one_by_one_and_leave_other_tenants_out(stored):
    store, ids = stored
    cases = Cases(store.engine)
    read = cases.histories("acme", ids)
    assert set(read) == set(ids[:3])  # neither the other tenant's case nor a missing one
    for case_id, history in read.items():
        one = cases.history(case_id)
        assert one is not None and shape(history) == shape(one)
    lucia = read[ids[0]]
    assert len(lucia.replies) == 1 and "x:9r1" not in {f"{m.source}:{m.external_id}"
                                                       for m in lucia.mentions}  # fmt: skip
    assert {m.author for m in lucia.mentions} >= {"lucia", "pedro", "aerosol"}
    assert sum(e.kind == "status" for e in lucia.events) == 1
    assert cases.histories("beta", ids[:3]) == {} and cases.histories("acme", []) == {}


def test_bulk_histories_read_in_chunks_with_a_constant_number_of_statements(stored, monkeypatch):
    store, ids = stored
    cases = Cases(store.engine)
    whole = {case_id: shape(h) for case_id, h in cases.histories("acme", ids).items()}
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    monkeypatch.setattr(cases_module, "CHUNK", 1)
    chunked = {case_id: shape(h) for case_id, h in cases.histories("acme", ids).items()}
    assert chunked == whole
    per_chunk = len(statements)
    statements.clear()
    monkeypatch.setattr(cases_module, "CHUNK", 500)
    cases.histories("acme", ids)
    assert len(statements) <= 6 < per_chunk  # one chunk: cases, merged, mentions, ... events
