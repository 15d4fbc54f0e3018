"""What Celery beat runs, and how often. Pollers are not listed here: `escucha.poll.due`
reads them from the tenants table each tick, so adding one needs no beat restart."""

from __future__ import annotations

from typing import Any

from config.settings import Settings

# A tick waits at most for the job the monitor worker is running (a case re-projected, an HTTP
# call that may take its full timeout), and a late tick is still worth running: each expires
# after its interval but never sooner than this, so a stopped worker piles up only a few.
MIN_EXPIRY_S = 60.0


def schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    ticks = {
        "sweep-ledger": ("escucha.monitor.sweep", settings.pipeline.sweep_interval_s),
        "watch-redis-memory": ("escucha.monitor.redis_memory", 60.0),
        "watch-channels": ("escucha.monitor.channels", 60.0),
        "replies-due": ("escucha.reply.due", settings.channels.outbox_tick_s),
        "cases-due": ("escucha.care.due", settings.care.care_tick_s),
        "crisis-due": ("escucha.crisis.due", settings.crisis.crisis_tick_s),
        "alerts-due": ("escucha.alert.due", settings.crisis.alert_tick_s),
        "pollers-due": ("escucha.poll.due", settings.channels.poll_tick_s),
    }
    return {
        name: {
            "task": task,
            "schedule": every,
            "options": {"expires": max(every, MIN_EXPIRY_S)},
        }
        for name, (task, every) in ticks.items()
    }
