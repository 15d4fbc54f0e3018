"""A case's lifecycle, and its clocks per cycle: what the help desks get wrong, shown right."""

from datetime import UTC, datetime, timedelta

import pytest

from escucha.care.lifecycle import (
    CaseState,
    LifecycleError,
    Status,
    StatusChange,
    agent_replied,
    close_if_quiet,
    customer_wrote,
    replay,
    set_status,
)
from escucha.care.sla import Author, Clock, Entry, SlaPolicy, Target, TargetSpec, Timeline, clocks
from escucha.core.tenant import Tenant

T0 = datetime(2026, 11, 30, 10, tzinfo=UTC)
MIN = timedelta(minutes=1)
ALWAYS = Tenant(id="always")
HOUR = TargetSpec(minutes=60, clock=Clock.calendar)
POLICY = SlaPolicy(name="p", targets={Target.first_response: HOUR})


def test_the_path_from_new_to_closed():
    case = CaseState.opened(T0)
    case = agent_replied(case, T0 + 5 * MIN)
    assert case.status is Status.open
    case = set_status(case, Status.waiting_on_customer, T0 + 6 * MIN)
    case = customer_wrote(case, T0 + 30 * MIN)
    assert case.status is Status.open and case.pauses == ((T0 + 6 * MIN, T0 + 30 * MIN),)
    case = set_status(case, Status.resolved, T0 + 40 * MIN)
    assert close_if_quiet(case, T0 + timedelta(days=2), timedelta(days=3)).status is Status.resolved
    closed = close_if_quiet(case, T0 + timedelta(days=3, minutes=40), timedelta(days=3))
    assert closed.status is Status.closed
    with pytest.raises(LifecycleError, match="stays closed"):
        set_status(closed, Status.open, T0 + timedelta(days=4))
    with pytest.raises(LifecycleError, match="from new to closed"):
        set_status(CaseState.opened(T0), Status.closed, T0)


def test_thanks_after_a_resolution_reopens_nothing_and_a_new_problem_opens_a_new_cycle():
    resolved = set_status(
        agent_replied(CaseState.opened(T0), T0 + MIN), Status.resolved, T0 + 2 * MIN
    )
    assert customer_wrote(resolved, T0 + 3 * MIN, pleasantry=True) == resolved
    reopened = customer_wrote(resolved, T0 + timedelta(days=5))
    assert (reopened.status, reopened.cycle, reopened.cycle_started_at) == (
        Status.open, 2, T0 + timedelta(days=5))  # fmt: skip
    waiting = set_status(reopened, Status.waiting_on_customer, T0 + timedelta(days=5, minutes=1))
    assert customer_wrote(waiting, T0 + timedelta(days=5, minutes=2), pleasantry=True) == waiting


def test_a_reopened_cycle_measures_first_response_from_the_return_not_the_creation():
    """Chatwoot PR #12058: a bot resolves, the customer returns five days later, an agent
    answers in ten minutes; the figure must be ten minutes, not five days."""
    case = CaseState.opened(T0)
    bot = Entry(at=T0 + MIN, author=Author.automation)
    case = set_status(case, Status.resolved, T0 + 2 * MIN)
    back = T0 + timedelta(days=5)
    case = customer_wrote(case, back)
    entries = (Entry(at=T0, author=Author.customer), bot, Entry(at=back, author=Author.customer),
               Entry(at=back + 10 * MIN, author=Author.agent))  # fmt: skip
    this_cycle = Timeline(entries=tuple(e for e in entries if e.at >= case.cycle_started_at),
                          pauses=case.pauses)  # fmt: skip
    (first,) = clocks(ALWAYS, POLICY, this_cycle, back + timedelta(hours=1))
    assert (
        first.used_minutes == 10 and first.met_at == back + 10 * MIN and first.breached_at is None
    )


def test_replaying_a_history_gives_one_state_however_often_and_in_whatever_order_it_arrives():
    customer, agent = Author.customer, Author.agent
    messages = [Entry(at=T0, author=customer), Entry(at=T0 + 5 * MIN, author=agent),
                Entry(at=T0 + timedelta(days=2), author=customer, pleasantry=True),
                Entry(at=T0 + timedelta(days=6), author=customer)]  # fmt: skip
    changes = [StatusChange(T0 + 10 * MIN, Status.resolved)]
    now = T0 + timedelta(days=6, hours=1)
    state = replay(T0, messages, changes, now)
    assert (state.status, state.cycle) == (Status.open, 2)  # the thanks reopened nothing
    assert replay(T0, list(reversed(messages)), changes, now) == state
    assert replay(T0, messages + messages, changes + changes, now) == state  # redelivered
    quiet = replay(T0, messages[:3], changes, T0 + timedelta(days=8))
    assert quiet.status is Status.closed
