"""CSAT end to end on SQLite and PostgreSQL: a resolved DM case is asked once, a few minutes
later, over a local Graph API; the customer's "5" is kept without reopening the case, counts in
the care figures with its answer count, and recovers the complainer."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine

from escucha.care.answering import Answering, CannotAnswer
from escucha.care.care_history import RecoverySources, care_metrics, complaint_recovery
from escucha.care.casebook import Casebook
from escucha.care.csat import ask_key
from escucha.care.lifecycle import Status
from escucha.care.replies import send_one
from escucha.care.surveys import ask_resolved
from escucha.channels.senders import GRAPH_VERSION, Credentials, find_sent, send
from escucha.core.sealed import Sealer, new_key
from escucha.core.tenant import Csat, Tenant
from escucha.store.cases import Cases
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.migrate import upgrade
from escucha.store.outbox import Outbox
from escucha.store.store import Store
from escucha.store.tenants import Tenants
from tests.factories import triaged
from tests.platform_servers import PlatformServer, Reply

pytestmark = pytest.mark.postgres
SHOP = Tenant(id="tienda", timezone="Europe/Madrid", languages=["es"],
              csat=Csat(ask=True, after_minutes=5))  # fmt: skip
QUIET = Tenant(id="callada", timezone="Europe/Madrid", languages=["es"])  # never asks
START = datetime(2026, 11, 2, 10, tzinfo=UTC)
ANSWER = "Hola, sentimos lo del pedido 4411: hoy sale el repuesto y te escribimos al llegar."


@pytest.fixture
def desk(database_url):
    upgrade(database_url)
    store = Store.from_url(database_url)
    tenants = Tenants(store.engine)
    for tenant in (SHOP, QUIET):
        tenants.put(tenant)
    channels = ChannelCredentials(store.engine, Sealer([new_key()]))
    channels.connect("tienda", "facebook", "page-7", "page-token")
    channels.connect("callada", "facebook", "page-8", "page-token")
    cases = Cases(store.engine)
    answering = Answering(cases, Outbox(store.engine), ChannelCredentials(store.engine))
    yield store, Casebook(cases, tenants.get), answering, tenants.get
    store.dispose()


@pytest.fixture
def graph():
    routes = {f"/{GRAPH_VERSION}/page-7/messages": lambda _: Reply(200, {
        "recipient_id": "psid-9", "message_id": f"m_{len(server.seen)}"})}  # fmt: skip
    with PlatformServer(routes) as server, httpx.Client(timeout=5) as client:
        creds = Credentials("page-token", server.url, page_id="page-7")
        yield (
            server,
            (lambda r: send(client, r, creds)),
            (lambda r: find_sent(client, r, creds, "page-7")),
        )


def dm(n, tenant=SHOP, at=START, text="el pedido 4411 llegó roto y nadie me contesta"):
    return triaged(n, config=tenant, tenant=tenant.id, source="facebook", author="psid-9",
                   author_id="psid-9", direct=True, created_at=at.isoformat(),
                   text=text)  # fmt: skip


def ask_at(answering, tenant_of, at):
    """The sweep as beat runs it at `at` (the outbox writes its rows at the clock's time)."""
    with time_machine.travel(at, tick=False):
        return ask_resolved(answering, tenant_of, at)


def answered_and_resolved(desk, graph, tenant=SHOP):
    """A complaint by DM, answered by an agent in 10 minutes and resolved at minute 20."""
    store, book, answering, _ = desk
    _, sender, finder = graph
    complaint = dm(1, tenant)
    store.save([complaint])
    case_id = store.get(complaint.id).case_id
    with time_machine.travel(START + timedelta(minutes=9), tick=False):
        queued = answering.answer(tenant.id, case_id, ANSWER, confirm=True,
                                  key=f"{tenant.id}-a1")  # fmt: skip
    assert send_one(answering.outbox, queued.reply.key, START + timedelta(minutes=10), sender,
                    finder) is not None  # fmt: skip
    book.change_status(tenant.id, case_id, Status.resolved, "agent:ana",
                       START + timedelta(minutes=20))  # fmt: skip
    return case_id


def test_a_resolved_case_is_asked_once_after_the_wait_and_its_answer_reopens_nothing(desk, graph):
    store, book, answering, tenant_of = desk
    server, sender, finder = graph
    case_id = answered_and_resolved(desk, graph)
    resolved_at = START + timedelta(minutes=20)
    assert ask_at(answering, tenant_of, resolved_at + timedelta(minutes=4)) == 0
    asked_at = resolved_at + timedelta(minutes=6)
    assert ask_at(answering, tenant_of, asked_at) == 1
    assert ask_at(answering, tenant_of, asked_at + timedelta(minutes=1)) == 0
    key = ask_key("tienda", case_id, 1)
    row = answering.outbox.get(key)
    assert row.author == "automation" and "del 1 al 5" in row.text and row.direct
    assert send_one(answering.outbox, key, asked_at, sender, finder) is not None
    delivered = [s.json() for s in server.hits(f"/{GRAPH_VERSION}/page-7/messages")]
    assert [d["message"]["text"] for d in delivered] == [ANSWER, row.text]

    store.save([dm(2, at=asked_at + timedelta(minutes=3), text="un 5")])
    book.refresh_one(case_id, asked_at + timedelta(minutes=4))
    case = book.cases.get("tienda", case_id)
    assert case.status == "resolved" and case.cycle == 1  # the rating reopened nothing
    figures = care_metrics(book.cases, SHOP, START - timedelta(days=1), START + timedelta(days=1),
                           START + timedelta(days=1))  # fmt: skip
    assert figures.csat.asked == 1
    assert figures.csat.answered.hits == 1 and figures.csat.satisfied.value == 1.0
    assert figures.csat.mean_score == 5 and figures.cycles == 1
    assert figures.automated_replies_excluded == 1  # the question is no reply to the complaint

    sources = RecoverySources.on(store.engine)
    recovered = complaint_recovery(
        sources,
        "tienda",
        START - timedelta(days=1),
        START + timedelta(days=1),
        START + timedelta(days=90),
    )
    assert recovered.recovered == 1 and recovered.by == {"csat": 1}


def test_something_other_than_a_rating_reopens_and_a_late_number_is_no_answer(desk, graph):
    store, book, answering, tenant_of = desk
    _, sender, finder = graph
    case_id = answered_and_resolved(desk, graph)
    asked_at = START + timedelta(minutes=30)
    ask_at(answering, tenant_of, asked_at)
    send_one(answering.outbox, ask_key("tienda", case_id, 1), asked_at, sender, finder)
    store.save([dm(2, at=asked_at + timedelta(minutes=2), text="el repuesto tampoco funciona")])
    store.save([dm(3, at=asked_at + timedelta(minutes=3), text="5")])
    book.refresh_one(case_id, asked_at + timedelta(minutes=4))
    case = book.cases.get("tienda", case_id)
    assert case.status == "open" and case.cycle == 2  # a complaint after the question reopens
    figures = care_metrics(book.cases, SHOP, START - timedelta(days=1), START + timedelta(days=1),
                           START + timedelta(days=1))  # fmt: skip
    assert figures.csat.asked == 1 and figures.csat.answered.hits == 0
    assert figures.csat.satisfied.value is None and figures.csat.mean_score is None


def test_a_tenant_that_did_not_ask_for_it_and_a_reopened_case_are_never_asked(desk, graph):
    store, book, answering, tenant_of = desk
    quiet_case = answered_and_resolved(desk, graph, QUIET)
    later = START + timedelta(hours=1)
    assert ask_at(answering, tenant_of, later) == 0
    assert answering.outbox.get(ask_key("callada", quiet_case, 1)) is None
    # A case of the asking tenant reopened before its wait was over is not asked either.
    shop_case = answered_and_resolved(desk, graph)
    store.save([dm(5, at=START + timedelta(minutes=22), text="perdona, no me llegó nada")])
    book.refresh_one(shop_case, START + timedelta(minutes=23))
    assert book.cases.get("tienda", shop_case).status == "open"
    assert ask_at(answering, tenant_of, later) == 0


def test_a_key_under_the_survey_prefix_is_refused_and_a_late_sweep_asks_nothing(desk, graph):
    _, _, answering, tenant_of = desk
    case_id = answered_and_resolved(desk, graph)
    with pytest.raises(CannotAnswer, match="escucha's own"):
        answering.answer("tienda", case_id, ANSWER, confirm=True, key=ask_key("tienda", case_id, 1))
    assert answering.outbox.get(ask_key("tienda", case_id, 1)) is None
    # Beat was down for hours: the moment to ask passed long ago, so nobody is asked now.
    assert ask_at(answering, tenant_of, START + timedelta(hours=3)) == 0


def test_an_unanswered_question_counts_in_the_period_it_was_asked(desk, graph):
    _, book, answering, tenant_of = desk
    _, sender, finder = graph
    case_id = answered_and_resolved(desk, graph)
    asked_at = START + timedelta(minutes=30)
    ask_at(answering, tenant_of, asked_at)
    send_one(answering.outbox, ask_key("tienda", case_id, 1), asked_at, sender, finder)
    # A period that holds the question but none of the customer's messages.
    since, until = START + timedelta(minutes=25), START + timedelta(days=1)
    figures = care_metrics(book.cases, SHOP, since, until, until)
    assert figures.cycles == 0 and figures.csat.asked == 1
    assert figures.csat.answered.hits == 0 and figures.csat.answered.value == 0
