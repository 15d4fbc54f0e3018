"""SLA clocks as pure calculation: policies, business minutes, pauses, warnings, breaches."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from escucha.care.sla import (
    Author,
    Clock,
    Entry,
    SlaPolicy,
    Target,
    TargetSpec,
    Timeline,
    clocks,
    due_at,
    explain,
    used,
)
from escucha.core.models import Intent, PriorityLabel
from escucha.core.sla_policy import choose_policy
from escucha.core.tenant import Tenant

MADRID = ZoneInfo("Europe/Madrid")
SHOP = Tenant(id="shop", timezone="Europe/Madrid", hours="mon-fri 09:00-19:00", holidays="ES-MD")
FIRST_30 = SlaPolicy(
    name="standard",
    targets={
        Target.first_response: TargetSpec(minutes=30),
        Target.next_response: TargetSpec(minutes=60),
        Target.resolution: TargetSpec(minutes=24 * 60, clock=Clock.calendar),
    },
)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MADRID)


def customer(when: datetime, pleasantry: bool = False) -> Entry:
    return Entry(at=when, author=Author.customer, pleasantry=pleasantry)


def agent(when: datetime, public: bool = True) -> Entry:
    return Entry(at=when, author=Author.agent, public=public)


def state(states, target):
    return next(s for s in states if s.target is target)


def test_policies_are_matched_in_their_explicit_order():
    urgent = SlaPolicy(name="urgent claims", priorities=(PriorityLabel.urgent,),
                       intents=(Intent.claim,))  # fmt: skip
    x_only = SlaPolicy(name="x", channels=("x",))
    policies = [urgent, x_only, FIRST_30]
    assert choose_policy(policies, PriorityLabel.urgent, Intent.claim, "x") is urgent
    assert choose_policy(policies, PriorityLabel.high, Intent.claim, "x") is x_only
    assert choose_policy(policies, PriorityLabel.high, Intent.claim, "facebook") is FIRST_30
    assert choose_policy([urgent], PriorityLabel.low, Intent.praise, "x") is None


def test_a_friday_evening_complaint_is_due_on_monday_and_says_why():
    friday = at(2026, 11, 27, 18, 45)
    states = clocks(SHOP, FIRST_30, Timeline(entries=(customer(friday),)), friday)
    first = state(states, Target.first_response)
    assert first.due_at == at(2026, 11, 30, 9, 15)  # 15 min on Friday, 15 on Monday
    assert first.met_at is None and first.breached_at is None
    assert explain(SHOP, TargetSpec(minutes=30), friday, first.due_at) == (
        "vence el lunes 30 a las 9:15: 30 min hábiles desde el viernes 27 a las 18:45; "
        "cerrado: sábado 28, domingo 29"
    )
    assert explain(SHOP, TargetSpec(minutes=30), friday, first.due_at, "en").startswith(
        "due Monday 30 at 9:15: 30 business min from Friday 27 at 18:45; closed: Saturday 28"
    )


def test_a_holiday_is_named_in_the_explanation():
    saturday = at(2026, 12, 5, 11)  # Monday 7 and Tuesday 8 are holidays in Madrid
    due = due_at(SHOP, TargetSpec(minutes=30), saturday)
    assert due == at(2026, 12, 9, 9, 30)
    assert "lunes 7 (festivo), martes 8 (festivo)" in explain(
        SHOP, TargetSpec(minutes=30), saturday, due
    )


def test_met_on_time_late_and_breached_while_unanswered():
    monday = at(2026, 11, 30, 10)
    on_time = Timeline(entries=(customer(monday), agent(monday + timedelta(minutes=20))))
    first = state(
        clocks(SHOP, FIRST_30, on_time, monday + timedelta(hours=2)), Target.first_response
    )
    assert first.met_at == monday + timedelta(minutes=20) and first.breached_at is None
    assert first.used_minutes == 20
    late = Timeline(entries=(customer(monday), agent(monday + timedelta(minutes=45))))
    first = state(clocks(SHOP, FIRST_30, late, monday + timedelta(hours=2)), Target.first_response)
    assert first.breached_at == monday + timedelta(minutes=30)
    waiting = Timeline(entries=(customer(monday),))
    first = state(
        clocks(SHOP, FIRST_30, waiting, monday + timedelta(minutes=31)), Target.first_response
    )
    assert first.breached_at == monday + timedelta(minutes=30) and first.met_at is None


def test_only_human_public_replies_count_unless_the_policy_says_so():
    monday = at(2026, 11, 30, 10)
    bot = Entry(at=monday + timedelta(minutes=1), author=Author.automation)
    private = agent(monday + timedelta(minutes=2), public=False)
    timeline = Timeline(entries=(customer(monday), bot, private))
    first = state(clocks(SHOP, FIRST_30, timeline, monday), Target.first_response)
    assert first.met_at is None
    lenient = FIRST_30.model_copy(update={"counts_automated_replies": True})
    assert state(clocks(SHOP, lenient, timeline, monday), Target.first_response).met_at == bot.at
    private_ok = FIRST_30.model_copy(update={"counts_private_replies": True})
    assert (
        state(clocks(SHOP, private_ok, timeline, monday), Target.first_response).met_at
        == private.at
    )


def test_next_response_runs_from_the_oldest_unanswered_message_and_thanks_start_none():
    monday = at(2026, 11, 30, 10)
    minute = timedelta(minutes=1)
    entries = (customer(monday), agent(monday + 5 * minute),
               customer(monday + 30 * minute), customer(monday + 40 * minute))  # fmt: skip
    nxt = state(clocks(SHOP, FIRST_30, Timeline(entries=entries), monday + timedelta(hours=1)),
                Target.next_response)  # fmt: skip
    assert nxt.started_at == monday + timedelta(minutes=30)
    assert nxt.due_at == monday + timedelta(minutes=90) and nxt.met_at is None
    answered = (*entries, agent(monday + timedelta(minutes=50)))
    nxt = state(clocks(SHOP, FIRST_30, Timeline(entries=answered), monday + timedelta(hours=1)),
                Target.next_response)  # fmt: skip
    assert nxt.met_at == monday + timedelta(minutes=50) and nxt.used_minutes == 20
    thanks = (*answered, customer(monday + timedelta(minutes=55), pleasantry=True))
    nxt = state(clocks(SHOP, FIRST_30, Timeline(entries=thanks), monday + timedelta(hours=3)),
                Target.next_response)  # fmt: skip
    assert nxt.met_at == monday + timedelta(minutes=50) and nxt.breached_at is None


def test_waiting_on_the_customer_pauses_the_clock():
    monday = at(2026, 11, 30, 10)
    paused = ((monday + timedelta(minutes=10), monday + timedelta(hours=3)),)
    timeline = Timeline(entries=(customer(monday),), pauses=paused)
    first = state(
        clocks(SHOP, FIRST_30, timeline, monday + timedelta(hours=3)), Target.first_response
    )
    assert first.due_at == monday + timedelta(hours=3, minutes=20)
    assert first.used_minutes == 10
    still = Timeline(entries=(customer(monday),), pauses=((monday + timedelta(minutes=10), None),))
    assert state(clocks(SHOP, FIRST_30, still, monday), Target.first_response).due_at is None


def test_warnings_come_at_their_fractions_and_only_inside_open_hours():
    friday = at(2026, 11, 27, 18, 30)
    first = state(clocks(SHOP, FIRST_30, Timeline(entries=(customer(friday),)), friday),
                  Target.first_response)  # fmt: skip
    assert first.warnings == (at(2026, 11, 27, 18, 45), at(2026, 11, 27, 18, 54))
    later = friday + timedelta(minutes=15)  # 50% lands on the 19:00 close: said at Monday's open
    first = state(clocks(SHOP, FIRST_30, Timeline(entries=(customer(later),)), later),
                  Target.first_response)  # fmt: skip
    assert first.warnings == (at(2026, 11, 30, 9), at(2026, 11, 30, 9, 9))
    # A calendar clock's 50% falls on Saturday night: the warning waits for Monday's opening.
    night = state(clocks(SHOP, FIRST_30, Timeline(entries=(customer(friday),)), friday),
                  Target.resolution)  # fmt: skip
    assert night.warnings[0] == at(2026, 11, 30, 9)


instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                        timezones=st.just(UTC))  # fmt: skip


@given(start=instants, minutes=st.integers(1, 5000),
       pause=st.tuples(st.integers(0, 3000), st.integers(0, 3000)))  # fmt: skip
def test_the_time_used_until_the_due_time_is_the_target(start, minutes, pause):
    begin = start + timedelta(minutes=pause[0])
    pauses = ((begin, begin + timedelta(minutes=pause[1])),)
    spec = TargetSpec(minutes=minutes)
    due = due_at(SHOP, spec, start, pauses)
    assert due is not None and due > start
    assert used(SHOP, Clock.business, start, due, pauses) == timedelta(minutes=minutes)
