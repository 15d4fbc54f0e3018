"""A case's projection from its history: lifecycle, the policy it matches, clocks and events."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from escucha.care.casework import CaseMessage, project, sla_events
from escucha.care.lifecycle import Status, StatusChange
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
SHOP = Tenant(
    id="tienda", timezone="Europe/Madrid", hours="mon-fri 08:00-12:00,13:30-18:00",
    holidays="ES-MD", sla=(POLICY,),
)  # fmt: skip


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MADRID).astimezone(UTC)


def customer(at: datetime, pleasantry: bool = False) -> CaseMessage:
    return CaseMessage(at=at, author=Author.customer, pleasantry=pleasantry,
                       priority=PriorityLabel.high, intent=Intent.complaint)  # fmt: skip


def agent(at: datetime) -> CaseMessage:
    return CaseMessage(at=at, author=Author.agent)


def test_a_complaint_at_lunch_is_due_when_the_afternoon_shift_has_run_30_minutes():
    wrote = local(2026, 12, 2, 12, 30)  # a Wednesday
    case = project(SHOP, "facebook", wrote, [customer(wrote)], [], wrote)
    first = next(t for t in case.targets if t.target == "first_response")
    assert case.status is Status.new and case.policy == "quejas@v1"
    assert first.due_at == local(2026, 12, 2, 14, 0)
    assert first.explanation == "vence el miércoles 2 a las 14:00: 30 min hábiles desde el " \
                                "miércoles 2 a las 12:30"  # fmt: skip
    assert case.next_due_at == first.due_at and case.sla_state == "on_track"
    assert case.check_at == first.warnings[0]  # the first thing the clock will do


def test_an_answer_meets_the_first_response_and_opens_the_case():
    wrote = local(2026, 12, 2, 9, 0)
    answered = wrote + timedelta(minutes=12)
    case = project(SHOP, "x", wrote, [customer(wrote), agent(answered)], [], answered)
    first = next(t for t in case.targets if t.target == "first_response")
    assert case.status is Status.open and first.met_at == answered and first.breached_at is None
    assert first.business_minutes_used == 12


def test_a_friday_evening_complaint_waits_out_the_weekend_and_both_holidays():
    wrote = local(2026, 12, 4, 17, 50)  # Friday, ten minutes before closing
    # Monday 7 (Constitution Day moved) and Tuesday 8 December are holidays in Madrid.
    case = project(SHOP, "x", wrote, [customer(wrote)], [], wrote)
    first = next(t for t in case.targets if t.target == "first_response")
    assert first.due_at == local(2026, 12, 9, 8, 20)
    assert first.warnings == (local(2026, 12, 9, 8, 5), local(2026, 12, 9, 8, 14))
    assert first.explanation is not None and first.explanation.endswith(
        "cerrado: sábado 5, domingo 6, lunes 7 (festivo), martes 8 (festivo)"
    )

    def first_response_events(now: datetime) -> list[tuple[str, datetime]]:
        case = project(SHOP, "x", wrote, [customer(wrote)], [], now)
        return [(e.kind, e.at) for e in sla_events("c", case, now) if e.target == "first_response"]

    assert first_response_events(local(2026, 12, 8, 23, 59)) == []  # nothing while closed
    assert first_response_events(local(2026, 12, 9, 8, 6)) == [
        ("sla.warning", local(2026, 12, 9, 8, 5))
    ]


def test_thanks_after_resolution_reopens_nothing_and_starts_no_clock():
    wrote, answered = local(2026, 12, 2, 9, 0), local(2026, 12, 2, 9, 10)
    resolved = local(2026, 12, 2, 9, 20)
    thanks = local(2026, 12, 2, 10, 0)
    history = [customer(wrote), agent(answered), customer(thanks, pleasantry=True)]
    case = project(SHOP, "x", wrote, history, [StatusChange(resolved, Status.resolved)],
                   thanks + timedelta(days=1))  # fmt: skip
    assert case.status is Status.resolved and case.cycle == 1
    assert case.sla_state == "met" and case.next_due_at is None
    assert case.check_at == resolved + timedelta(days=7)  # when it closes for quiet


def test_a_return_after_resolution_is_a_new_cycle_measured_from_the_new_message():
    wrote, answered = local(2026, 11, 25, 9, 0), local(2026, 11, 25, 9, 5)
    resolved = local(2026, 11, 25, 9, 6)
    back, reply = local(2026, 11, 30, 10, 0), local(2026, 11, 30, 10, 10)  # five days later
    history = [customer(wrote), agent(answered), customer(back), agent(reply)]
    case = project(SHOP, "x", wrote, history, [StatusChange(resolved, Status.resolved)], reply)
    first = next(t for t in case.targets if t.target == "first_response")
    assert case.cycle == 2 and case.cycle_started_at == back
    assert first.started_at == back and first.business_minutes_used == 10  # not five days


def test_an_unanswered_complaint_breaches_and_each_moment_has_one_stable_key():
    wrote = local(2026, 12, 2, 9, 0)
    late = local(2026, 12, 2, 10, 0)
    case = project(SHOP, "x", wrote, [customer(wrote)], [], late)
    events = sla_events("tienda:x:ana", case, late)
    assert case.sla_state == "breached"
    assert [(e.kind, e.fraction) for e in events] == [
        ("sla.warning", 0.5), ("sla.warning", 0.8), ("sla.breached", None),
    ]  # fmt: skip
    again = sla_events("tienda:x:ana", project(SHOP, "x", wrote, [customer(wrote)], [], late),
                       late)  # fmt: skip
    assert [e.key for e in again] == [e.key for e in events]


def test_changing_the_hours_re_projects_a_running_clock_keeping_the_time_used():
    wrote = local(2026, 12, 2, 11, 50)  # 10 minutes used before the 12:00 break
    now = local(2026, 12, 2, 12, 5)
    before = project(SHOP, "x", wrote, [customer(wrote)], [], now)
    longer = SHOP.model_copy(update={"hours": SHOP.model_validate(
        {"hours": "mon-fri 08:00-12:00,12:30-18:00"}).hours})  # fmt: skip
    after = project(longer, "x", wrote, [customer(wrote)], [], now)
    first = {c: next(t for t in p.targets if t.target == "first_response")
             for c, p in (("before", before), ("after", after))}  # fmt: skip
    assert first["before"].due_at == local(2026, 12, 2, 13, 50)
    assert first["after"].due_at == local(2026, 12, 2, 12, 50)
    assert first["before"].business_minutes_used == first["after"].business_minutes_used == 10


def test_waiting_on_the_customer_pauses_the_resolution_clock():
    wrote = local(2026, 12, 2, 9, 0)
    answered, asked = wrote + timedelta(minutes=5), wrote + timedelta(minutes=6)
    now = wrote + timedelta(hours=30)
    history = [customer(wrote), agent(answered)]
    waiting = [StatusChange(asked, Status.waiting_on_customer)]
    case = project(SHOP, "x", wrote, history, waiting, now)
    resolution = next(t for t in case.targets if t.target == "resolution")
    assert case.status is Status.waiting_on_customer
    assert resolution.due_at is None and resolution.breached_at is None  # paused, not late
    assert resolution.business_minutes_used == 6
