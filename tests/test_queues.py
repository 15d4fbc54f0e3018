"""Where each task goes: beat's ticks on a queue of their own, the work they hand out apart."""

from __future__ import annotations

from config.settings import get_settings
from escucha.pipeline.stages import JOBS, MONITOR, STAGE_NAMES, default_groups, queue_name
from workers import beat
from workers.app import app


def queue_of(task: str) -> str:
    return app.amqp.router.route({}, task)["queue"].name


def test_every_tick_beat_sends_has_the_monitor_queue_to_itself():
    app.loader.import_default_modules()  # the task modules, as a worker imports them
    ticks = {entry["task"] for entry in beat.schedule(get_settings()).values()}
    assert ticks and {queue_of(t) for t in ticks} == {queue_name(MONITOR)}
    # The app's own tasks (tests may register theirs on the same app, on the default queue).
    ours = {name for name, task in app.tasks.items() if task.__module__.startswith("tasks.")}
    others = ours - ticks
    # A flood of cases to re-project or alerts to send must never sit before a tick, which
    # expires if it waits: nothing but ticks goes to the monitor queue.
    assert others and not {t for t in others if queue_of(t) == queue_name(MONITOR)}
    assert {queue_of(t) for t in ("escucha.care.check", "escucha.alert.send",
                                  "escucha.reply.send", "escucha.poll.run",
                                  "escucha.crisis.watch", "escucha.crm.send")
            } == {queue_name(JOBS)}  # fmt: skip
    assert {queue_of(f"escucha.{s}") for s in STAGE_NAMES} == {queue_name(s) for s in STAGE_NAMES}


def test_the_monitor_worker_takes_both_the_ticks_and_their_work():
    [monitor] = [g for g in default_groups(2) if g.name == "monitor"]
    assert monitor.queues.split(",") == [queue_name(MONITOR), queue_name(JOBS)]


def test_a_tick_outlives_the_job_it_may_wait_behind():
    """The sweeper every 2 s once expired behind every 2-second case check after a Redis
    restart, so nothing swept the batches the restart cost: a tick lasts at least a minute."""
    base = get_settings()
    pipeline = base.pipeline.model_copy(update={"sweep_interval_s": 2.0})
    settings = base.model_copy(update={"pipeline": pipeline})
    entries = beat.schedule(settings)
    assert entries["sweep-ledger"]["schedule"] == 2
    assert all(e["options"]["expires"] >= beat.MIN_EXPIRY_S for e in entries.values())
    assert all(e["options"]["expires"] >= e["schedule"] for e in entries.values())
