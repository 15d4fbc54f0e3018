"""Which case a message joins: comments by post and commenter, a person's direct messages as
one conversation within the reopen window, and a DM linked to the comment case whose private
reply opened it. On SQLite and PostgreSQL, through the store's own transaction."""

from datetime import UTC, datetime, timedelta

import pytest

from escucha.care.casebook import Casebook
from escucha.care.lifecycle import Status
from escucha.core.tenant import Tenant
from escucha.store.cases import Cases
from escucha.store.migrate import upgrade
from escucha.store.outbox import NewReply, Outbox
from escucha.store.store import Store
from escucha.store.tenants import Tenants
from tests.factories import triaged

pytestmark = pytest.mark.postgres
SHOP = Tenant(id="tienda", timezone="Europe/Madrid", languages=["es"], reopen_window_days=3)
OTHER = Tenant(id="otra", timezone="Europe/Madrid", languages=["es"])
START = datetime(2026, 11, 2, 10, tzinfo=UTC)


@pytest.fixture
def desk(database_url):
    upgrade(database_url)
    store = Store.from_url(database_url)
    tenants = Tenants(store.engine)
    for tenant in (SHOP, OTHER):
        tenants.put(tenant)
    yield store, Casebook(Cases(store.engine), tenants.get)
    store.dispose()


def comment(n, post, author="lucia", at=START):
    return triaged(n, config=SHOP, tenant="tienda", source="facebook", author=author,
                   author_id=f"id-{author}", thread=f"facebook:{post}", created_at=at.isoformat(),
                   text="el pedido llegó roto y nadie contesta")  # fmt: skip


def dm(n, person="psid-9", at=START, tenant=SHOP, text="hola, sigo esperando mi pedido"):
    return triaged(n, config=tenant, tenant=tenant.id, source="facebook", author=person,
                   author_id=person, direct=True, created_at=at.isoformat(), text=text)  # fmt: skip


def case_of(store, mention):
    return store.get(mention.id).case_id


def test_comments_are_one_case_per_post_and_commenter(desk):
    store, _ = desk
    first, again = comment(1, "p1"), comment(2, "p1", at=START + timedelta(minutes=5))
    elsewhere, someone = comment(3, "p2"), comment(4, "p1", author="pedro")
    store.save([first, again, elsewhere, someone])
    assert case_of(store, first) == case_of(store, again)
    assert len({case_of(store, m) for m in (first, elsewhere, someone)}) == 3


def test_direct_messages_are_one_conversation_until_the_reopen_window_has_passed(desk):
    store, book = desk
    opening, follow_up = dm(10), dm(11, at=START + timedelta(hours=1))
    store.save([opening])
    store.save([follow_up])
    conversation = case_of(store, opening)
    assert case_of(store, follow_up) == conversation and ":dm:psid-9" in conversation
    book.change_status("tienda", conversation, Status.resolved, "ana", START + timedelta(hours=2))

    within = dm(12, at=START + timedelta(days=2))  # two days after: the window is three
    store.save([within])
    assert case_of(store, within) == conversation
    assert book.refresh_one(conversation, START + timedelta(days=2)).cycle == 2
    book.change_status("tienda", conversation, Status.resolved, "ana",
                       START + timedelta(days=2, hours=1))  # fmt: skip

    thanks = dm(17, at=START + timedelta(days=5, hours=12), text="gracias!!")
    store.save([thanks])  # past the window, yet only thanks: recorded, no new case
    assert case_of(store, thanks) == conversation
    late = [dm(13, at=START + timedelta(days=6)), dm(14, at=START + timedelta(days=6, minutes=1))]
    store.save(late)
    fresh = {case_of(store, m) for m in late}
    assert len(fresh) == 1 and fresh != {conversation}  # one new case, not one per message
    (new_case,) = fresh
    assert new_case.startswith(f"{conversation}~")
    store.save(late)  # redelivered: nothing moves
    assert {case_of(store, m) for m in late} == fresh
    later = dm(15, at=START + timedelta(days=6, hours=1))
    store.save([later])
    assert case_of(store, later) == new_case  # the newest conversation is the one to join
    stranger = dm(16, person="psid-10", at=START + timedelta(days=6))
    store.save([stranger])
    assert case_of(store, stranger) not in (conversation, new_case)


def test_a_dm_from_whom_a_private_reply_reached_is_linked_to_the_comment_case(desk):
    store, book = desk
    complaint = comment(20, "p1")
    store.save([complaint])
    comment_case = case_of(store, complaint)
    outbox, at = Outbox(store.engine), START + timedelta(minutes=10)
    outbox.add(NewReply(key="p1", tenant="tienda", account="meta:page", platform="facebook",
                        in_reply_to="20", text="Hola Lucía, te escribimos por privado.",
                        case_id=comment_case, private=True), at)  # fmt: skip
    claimed = outbox.claim("p1", at)
    outbox.sent(claimed, "m_1", at, recipient_id="psid-9")

    answer = dm(21, at=START + timedelta(minutes=20), text="hola, mi pedido es el 4411")
    store.save([answer])
    store.save([answer])  # redelivered: linked once
    dm_case = case_of(store, answer)
    assert dm_case != comment_case
    links = {case: [e.data for e in book.cases.events(case) if e.kind == "linked"]
             for case in (dm_case, comment_case)}  # fmt: skip
    assert [d["case"] for d in links[dm_case]] == [comment_case]
    assert [d["case"] for d in links[comment_case]] == [dm_case]

    theirs = dm(22, tenant=OTHER, at=START + timedelta(minutes=30))  # same person id, other tenant
    store.save([theirs])
    assert not [e for e in book.cases.events(case_of(store, theirs)) if e.kind == "linked"]


def test_an_answer_to_a_dm_case_goes_back_as_a_direct_message_to_that_person(desk):
    from escucha.care.answering import Answering
    from escucha.care.replies import outgoing_of
    from escucha.core.sealed import Sealer, new_key
    from escucha.store.channel_credentials import ChannelCredentials

    store, book = desk
    channels = ChannelCredentials(store.engine, Sealer([new_key()]))
    channels.connect("tienda", "facebook", "page-7", "page-token")
    message = dm(30, text="hola, ¿dónde está mi pedido 4411?")
    store.save([message])
    answering = Answering(book.cases, Outbox(store.engine), ChannelCredentials(store.engine))
    queued = answering.answer("tienda", case_of(store, message),
                              "Hola, sentimos la espera. Hoy revisamos tu pedido 4411.",
                              confirm=True)  # fmt: skip
    outgoing = outgoing_of(queued.reply)
    assert (outgoing.direct, outgoing.recipient, outgoing.private) == (True, "psid-9", False)


def test_an_answer_made_in_the_platforms_own_inbox_answers_the_conversation(desk):
    store, book = desk
    question = dm(40, at=START)
    echo = triaged(41, config=SHOP, tenant="tienda", source="facebook", author="page-7",
                   author_id="page-7", direct=True, inbound=False, thread="facebook:psid-9",
                   created_at=(START + timedelta(minutes=15)).isoformat(),
                   text="Hola, ya lo estamos mirando")  # fmt: skip
    orphan = triaged(42, config=SHOP, tenant="tienda", source="facebook", author="page-7",
                     author_id="page-7", direct=True, inbound=False, thread="facebook:psid-77",
                     created_at=START.isoformat(), text="Hola, ¿en qué te ayudamos?")  # fmt: skip
    store.save([question])
    store.save([echo, orphan])
    assert case_of(store, echo) == case_of(store, question)
    assert case_of(store, orphan) is None  # our own message opens no case
    store.save([orphan])
    assert case_of(store, orphan) is None  # nor when it comes again
    projection = book.refresh_one(case_of(store, question), START + timedelta(minutes=20))
    first = next(t for t in projection.targets if t.target == "first_response")
    assert first.met_at == START + timedelta(minutes=15)


def test_a_batch_that_reopens_a_conversation_keeps_its_later_messages_in_it(desk):
    store, book = desk
    store.save([dm(50)])
    conversation = case_of(store, dm(50))
    book.change_status("tienda", conversation, Status.resolved, "ana", START + timedelta(hours=1))
    inside = dm(51, at=START + timedelta(days=2, hours=23))  # the window is three days
    after = dm(52, at=START + timedelta(days=3, hours=2))  # past it, counted from the old one
    store.save([inside, after])
    assert case_of(store, inside) == case_of(store, after) == conversation


def test_a_dm_links_to_the_comment_case_of_the_newest_private_reply_before_it(desk):
    store, book = desk
    january, march = comment(60, "p1"), comment(61, "p2", at=START + timedelta(days=60))
    store.save([january, march])
    outbox = Outbox(store.engine)
    for key, mention, days in (("pj", january, 0), ("pm", march, 60)):
        at = START + timedelta(days=days, minutes=10)
        outbox.add(NewReply(key=key, tenant="tienda", account="meta:page", platform="facebook",
                            in_reply_to=mention.external_id, text="Hola, te escribimos.",
                            case_id=case_of(store, mention), private=True), at)  # fmt: skip
        claimed = outbox.claim(key, at)
        outbox.sent(claimed, f"m_{key}", at, recipient_id="psid-9")
    answer = dm(62, at=START + timedelta(days=60, minutes=20))
    store.save([answer])
    linked = [e.data["case"] for e in book.cases.events(case_of(store, answer))
              if e.kind == "linked"]  # fmt: skip
    assert linked == [case_of(store, march)]
