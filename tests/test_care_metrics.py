"""The care glossary, one test per figure: what it counts, from when, and what it leaves out."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escucha.care.care_metrics import CaseRecord, FiguresMismatch, measure, rate
from escucha.care.casework import CaseMessage
from escucha.care.lifecycle import Status, StatusChange, cycles
from escucha.care.response_times import answered_waits, cycle_times
from escucha.care.sla import Author
from escucha.core.models import Intent, PriorityLabel
from escucha.core.sla_policy import Clock, SlaPolicy, Target, TargetSpec
from escucha.core.tenant import Tenant

MADRID = ZoneInfo("Europe/Madrid")
POLICY = SlaPolicy(
    name="quejas",
    targets={Target.first_response: TargetSpec(minutes=30),
             Target.resolution: TargetSpec(minutes=24 * 60, clock=Clock.calendar)},
)  # fmt: skip
SHOP = Tenant(id="tienda", timezone="Europe/Madrid", hours="mon-fri 09:00-18:00",
              holidays="ES-MD", sla=(POLICY,))  # fmt: skip
SINCE, UNTIL = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MADRID).astimezone(UTC)


def customer(at: datetime, pleasantry: bool = False) -> CaseMessage:
    return CaseMessage(at=at, author=Author.customer, pleasantry=pleasantry,
                       priority=PriorityLabel.high, intent=Intent.complaint)  # fmt: skip


def agent(at: datetime, public: bool = True) -> CaseMessage:
    return CaseMessage(at=at, author=Author.agent, public=public)


def bot(at: datetime) -> CaseMessage:
    return CaseMessage(at=at, author=Author.automation)


def resolved(at: datetime) -> StatusChange:
    return StatusChange(at, Status.resolved)


def case(case_id: str, messages: list[CaseMessage], changes: list[StatusChange] = ()
         ) -> CaseRecord:  # fmt: skip
    return CaseRecord(case_id, "x", messages[0].at, tuple(messages), tuple(changes))


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_first_response_after_a_reopen_counts_from_the_message_that_reopened_the_case():
    # The customer writes, a bot answers and resolves; five days later they are back, and a
    # person answers in 10 minutes. Counting from the case's creation would say five days.
    wrote = local(2026, 11, 2, 10, 0)  # a Monday
    back = wrote + timedelta(days=5)  # Saturday: business time is closed all day
    record = case("c1", [customer(wrote), bot(wrote + minutes(1)), customer(back),
                         agent(back + minutes(10))],
                  [resolved(wrote + minutes(2))])  # fmt: skip
    figures = measure(SHOP, [record], SINCE, UNTIL, NOW)
    assert figures.cycles == 2 and figures.cases == 1
    assert figures.first_response.count == 1
    assert figures.first_response.median_minutes == 10
    assert figures.automated_replies_excluded == 1


def test_automated_replies_end_no_wait_and_a_bot_answered_cycle_is_unanswered():
    wrote = local(2026, 11, 3, 10, 0)
    record = case("c1", [customer(wrote), bot(wrote + minutes(1)), agent(wrote + minutes(45))])
    figures = measure(SHOP, [record], SINCE, UNTIL, NOW)
    assert figures.first_response.median_minutes == 45  # the person's reply, not the bot's
    only_bot = case("c2", [customer(wrote), bot(wrote + minutes(1))])
    figures = measure(SHOP, [only_bot], SINCE, UNTIL, NOW)
    assert figures.response_rate.hits == 0 and figures.response_rate.over == 1


def test_first_response_in_business_time_skips_the_night_and_the_weekend():
    wrote = local(2026, 11, 6, 17, 50)  # Friday, ten minutes before closing
    answered = local(2026, 11, 9, 9, 20)  # Monday
    record = case("c1", [customer(wrote), agent(answered)])
    figures = measure(SHOP, [record], SINCE, UNTIL, NOW)
    assert figures.first_response.median_minutes == (answered - wrote).total_seconds() / 60
    assert figures.first_response.business_median_minutes == 30


def test_next_response_waits_from_the_oldest_unanswered_message_and_pleasantries_start_none():
    t = local(2026, 11, 3, 10, 0)
    record = case("c1", [
        customer(t), agent(t + minutes(5)),
        customer(t + minutes(20)), customer(t + minutes(25)), agent(t + minutes(40)),
        customer(t + minutes(50), pleasantry=True), agent(t + minutes(90)),
    ])  # fmt: skip
    times = cycle_times(SHOP, record.messages, cycles(t, record.messages, [], NOW)[0])
    assert [s.wall_s / 60 for s in times.waits] == [5, 20]
    figures = measure(SHOP, [record], SINCE, UNTIL, NOW)
    assert figures.next_response.count == 1 and figures.next_response.median_minutes == 20


def test_one_reply_time_row_per_inbound_and_reply_pair():
    t = local(2026, 11, 3, 10, 0)
    messages = [
        *(customer(t), customer(t + minutes(2)), agent(t + minutes(7)), agent(t + minutes(8))),
        *(customer(t + minutes(30)), agent(t + minutes(31))),
    ]
    pairs, waiting = answered_waits(messages)
    assert pairs == [(t, t + minutes(7)), (t + minutes(30), t + minutes(31))]
    assert waiting is None
    pairs, waiting = answered_waits([*messages, customer(t + minutes(60))])
    assert len(pairs) == 2 and waiting == t + minutes(60)


def test_response_rate_counts_only_the_cycles_that_needed_an_answer():
    t = local(2026, 11, 3, 10, 0)
    records = [
        case("answered", [customer(t), agent(t + minutes(3))]),
        case("waiting", [customer(t)]),
        case("thanks", [customer(t, pleasantry=True)]),  # "gracias 👍" asks for nothing
        case("private", [customer(t), agent(t + minutes(4), public=False)]),  # a DM answers too
    ]
    figures = measure(SHOP, records, SINCE, UNTIL, NOW)
    assert (figures.response_rate.hits, figures.response_rate.over) == (2, 3)
    assert figures.response_rate.value == pytest.approx(2 / 3)
    assert figures.cycles == 4


def test_resolution_time_and_resolved_share_are_over_the_same_cycles():
    t = local(2026, 11, 3, 10, 0)
    records = [
        case("fast", [customer(t), agent(t + minutes(3))], [resolved(t + minutes(60))]),
        case("slow", [customer(t), agent(t + minutes(3))], [resolved(t + minutes(180))]),
        case("open", [customer(t), agent(t + minutes(3))]),
    ]
    figures = measure(SHOP, records, SINCE, UNTIL, NOW)
    assert (figures.resolved.hits, figures.resolved.over) == (2, 3)
    assert figures.resolution.count == figures.resolved.hits
    assert figures.resolution.median_minutes == 120


def test_sla_compliance_per_target_counts_targets_met_or_breached_and_leaves_running_ones_out():
    t = local(2026, 11, 3, 10, 0)
    records = [
        case("in_time", [customer(t), agent(t + minutes(20))], [resolved(t + minutes(60))]),
        case("late", [customer(t), agent(t + minutes(50))]),
        case("running", [customer(NOW - minutes(5))]),  # its 30 minutes have not run out
    ]
    figures = measure(SHOP, records, SINCE, NOW + minutes(1), NOW)
    first = figures.sla["first_response"]
    assert (first.hits, first.over) == (1, 2)
    # "late" was never resolved: its 24 hours ran out weeks ago, a breach like any other.
    assert (figures.sla["resolution"].hits, figures.sla["resolution"].over) == (1, 2)


def test_cycles_are_counted_in_the_period_they_began():
    inside, before = local(2026, 11, 3, 10, 0), local(2026, 10, 20, 10, 0)
    records = [case("nov", [customer(inside), agent(inside + minutes(1))]),
               case("oct", [customer(before), agent(before + minutes(1))])]  # fmt: skip
    figures = measure(SHOP, records, SINCE, UNTIL, NOW)
    assert figures.cases == 1 and figures.first_response.count == 1


def test_a_share_refuses_hits_drawn_from_other_cycles():
    with pytest.raises(FiguresMismatch):
        rate({("a", 1), ("b", 1)}, {("a", 1)})
    assert rate(set(), set()).value is None
