"""A case its assignee sits on moves on: requeued to someone else in business minutes, and past
the bounce cap escalated once. The rule is pure; the casebook acts on it in the store."""

from datetime import UTC, datetime, timedelta

import pytest

from escucha.care.casebook import Casebook
from escucha.care.requeue import Assignment, Escalated, Requeued, decide, hold, waiting_since
from escucha.care.sla import Author, Entry
from escucha.core.models import as_utc
from escucha.core.tenant import Requeue, Tenant
from escucha.store.agents import AgentRecord, Agents
from escucha.store.cases import Cases
from escucha.store.migrate import upgrade
from escucha.store.outbox import NewReply, Outbox
from escucha.store.store import Store
from escucha.store.tenants import Tenants
from tests.factories import triaged

MADRID = Tenant(id="acme", timezone="Europe/Madrid", hours="mon-fri 09:00-18:00",
                languages=["es"], requeue=Requeue(after_minutes=60, max_bounces=2))  # fmt: skip
MONDAY = datetime(2026, 11, 30, 9, tzinfo=UTC)  # 10:00 in Madrid
COMPLAINT = "@acme mi pedido no llega y nadie contesta"


def said(at: datetime, author: Author = Author.customer, pleasantry: bool = False) -> Entry:
    return Entry(at=at, author=author, pleasantry=pleasantry)


def test_the_hold_counts_business_minutes_from_the_later_of_assignment_and_message():
    friday = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)  # 17:30 Madrid, half an hour to close
    log = [Assignment(friday + timedelta(minutes=10), "ana")]
    held = hold(MADRID, "ana", log, [said(friday)], friday)
    assert held is not None and held.since == friday + timedelta(minutes=10)
    # 20 minutes on Friday, 40 on Monday from 09:00
    assert held.deadline == datetime(2026, 11, 30, 8, 40, tzinfo=UTC)


def test_no_hold_without_an_assignee_a_waiting_customer_or_a_rule():
    log = [Assignment(MONDAY, "ana")]
    answered = [said(MONDAY), said(MONDAY + timedelta(minutes=5), Author.agent)]
    assert hold(MADRID, None, log, [said(MONDAY)], MONDAY) is None
    assert hold(MADRID, "ana", log, answered, MONDAY) is None
    never = MADRID.model_copy(update={"requeue": Requeue(after_minutes=0)})
    assert hold(never, "ana", log, [said(MONDAY)], MONDAY) is None


def test_waiting_starts_at_the_first_unanswered_message_and_ignores_thanks_and_bots():
    m = [MONDAY + timedelta(minutes=n) for n in range(6)]
    assert waiting_since([said(m[0]), said(m[1], Author.agent), said(m[2])], m[0]) == m[2]
    assert waiting_since([said(m[0]), said(m[1], Author.agent),
                          said(m[2], pleasantry=True)], m[0]) is None  # fmt: skip
    assert waiting_since([said(m[0]), said(m[1], Author.automation)], m[0]) == m[0]
    assert waiting_since([said(m[0]), said(m[3])], m[2]) == m[3]  # an earlier cycle is over


def test_requeues_up_to_the_cap_then_escalates():
    held = hold(MADRID, "ana", [Assignment(MONDAY, "ana")], [said(MONDAY)], MONDAY)
    assert held is not None
    assert decide(MADRID, "c1", 1, held, [], held.deadline - timedelta(seconds=1), "Ana") is None
    first = decide(MADRID, "c1", 1, held, [], held.deadline, "Ana")
    assert isinstance(first, Requeued) and first.bounce == 1
    assert (
        first.reason == "requeued: Ana did not answer within 60 business minutes (requeue 1 of 2)"
    )
    capped = decide(MADRID, "c1", 1, held, ["ben", "ana"], held.deadline, "Ana")
    assert isinstance(capped, Escalated) and capped.at == held.deadline
    assert capped.key == f"c1:1:escalated:{MONDAY.timestamp():.0f}"
    assert "after 2 requeues" in capped.reason


@pytest.fixture
def desk(database_url):
    upgrade(database_url)
    store = Store.from_url(database_url)
    Tenants(store.engine).put(MADRID)
    agents = Agents(store.engine)
    agents.add("acme", AgentRecord("ana", "Ana", "ana@acme.es", ("es",), 5, None))
    agents.add("acme", AgentRecord("ben", "Ben", "ben@acme.es", ("es",), 5, None))
    published = []
    clock = [MONDAY]

    def publish(tenant, event, case_id):
        published.append((tenant, event, case_id))

    book = Casebook(Cases(store.engine), lambda _: MADRID, publish, agents,
                    lambda _: {"ana": clock[0], "ben": clock[0]})  # fmt: skip
    yield store, book, clock, published
    store.dispose()


def settle(book, clock, at, case_id):
    clock[0] = at  # agents keep their heartbeat up
    book.settle([case_id], at, ["acme"])
    return book.cases.get("acme", case_id)


@pytest.mark.postgres
def test_a_sat_on_case_moves_to_another_agent_then_escalates_once(desk):
    store, book, clock, published = desk
    mention = triaged(1, config=MADRID, tenant="acme", author="lucia", text=COMPLAINT,
                      created_at=MONDAY.isoformat())  # fmt: skip
    store.save([mention])
    case_id = mention.triage.case_key
    first = settle(book, clock, MONDAY, case_id).assignee
    assert first in ("ana", "ben")
    other = {"ana": "ben", "ben": "ana"}[first]
    looked = settle(book, clock, MONDAY + timedelta(minutes=1), case_id)
    assert MONDAY < as_utc(looked.check_at) <= MONDAY + timedelta(minutes=60)  # the hold's end

    assert settle(book, clock, MONDAY + timedelta(minutes=59), case_id).assignee == first
    assert settle(book, clock, MONDAY + timedelta(minutes=60), case_id).assignee == other
    log = [e.data for e in book.cases.events(case_id) if e.kind == "assignment"]
    assert log[-2]["requeued_from"] == first and "requeue 1 of 2" in log[-2]["reason"]
    assert log[-1]["agent"] == other  # someone else first

    back = settle(book, clock, MONDAY + timedelta(minutes=120), case_id)
    assert back.assignee == first  # both have had it: back to the least loaded, said so
    log = [e.data for e in book.cases.events(case_id) if e.kind == "assignment"]
    assert "requeue 2 of 2" in log[-2]["reason"] and "nobody else" in log[-1]["reason"]

    for minutes in (180, 181, 240):  # past the cap: it stays, escalated once
        assert settle(book, clock, MONDAY + timedelta(minutes=minutes), case_id).assignee == first
    escalations = [e for e in book.cases.events(case_id) if e.kind == "escalated"]
    assert len(escalations) == 1 and "after 2 requeues" in escalations[0].data["reason"]
    kinds = {event.key for _, event, _ in published if event.kind == "case.escalated"}
    assert len(kinds) == 1


@pytest.mark.postgres
def test_an_answer_ends_the_hold(desk):
    store, book, clock, _ = desk
    mention = triaged(2, config=MADRID, tenant="acme", author="lucia",
                      text="@acme mi pedido no llega", created_at=MONDAY.isoformat())  # fmt: skip
    store.save([mention])
    case_id = mention.triage.case_key
    holder = settle(book, clock, MONDAY, case_id).assignee
    answered = MONDAY + timedelta(minutes=30)
    outbox = Outbox(store.engine)
    outbox.add(NewReply(key="r2", tenant="acme", account="x:7", platform="x", in_reply_to="2",
                        text="Hola Lucía, lo miramos hoy.", case_id=case_id), answered)  # fmt: skip
    claimed = outbox.claim("r2", answered)
    outbox.sent(claimed, "92", answered)
    assert settle(book, clock, MONDAY + timedelta(hours=3), case_id).assignee == holder
    assert not [e for e in book.cases.events(case_id) if e.data.get("requeued_from")]
