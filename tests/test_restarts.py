"""Restart back-off: quick after a rare exit, slower while a process keeps dying."""

from escucha.ops.restarts import Backoff


def test_restarts_back_off_while_a_process_keeps_dying_and_reset_once_it_is_stable():
    backoff = Backoff()
    backoff.started(0)
    waits = []
    now = 0.0
    for _ in range(8):
        now += 1  # dies a second after each start
        waits.append(backoff.exited(now))
        now += waits[-1]
        backoff.started(now)
    assert waits == [0, 1, 2, 4, 8, 16, 30, 30]
    assert backoff.exited(now + 120) == 0  # it ran two minutes: a quick restart again
