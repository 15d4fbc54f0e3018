"""What Celery beat runs, and how often. Pollers are not listed here: `escucha.poll.due`
reads them from the tenants table each tick, so adding one needs no beat restart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from config.settings import Settings

# A tick waits at most for the job the monitor worker is running (a case re-projected, an HTTP
# call that may take its full timeout), and a late tick is still worth running: each expires
# after its interval but never sooner than this, so a stopped worker piles up only a few.
MIN_EXPIRY_S = 60.0


@dataclass(frozen=True)
class Tick:
    name: str
    task: str
    every: Callable[[Settings], float]  # seconds, from the settings


TICKS = (
    Tick("sweep-ledger", "escucha.monitor.sweep", lambda s: s.pipeline.sweep_interval_s),
    Tick("watch-redis-memory", "escucha.monitor.redis_memory", lambda s: 60.0),
    Tick("watch-channels", "escucha.monitor.channels", lambda s: 60.0),
    Tick("replies-due", "escucha.reply.due", lambda s: s.channels.outbox_tick_s),
    Tick("cases-due", "escucha.care.due", lambda s: s.care.care_tick_s),
    Tick("crisis-due", "escucha.crisis.due", lambda s: s.crisis.crisis_tick_s),
    Tick("alerts-due", "escucha.alert.due", lambda s: s.crisis.alert_tick_s),
    Tick("crm-due", "escucha.crm.due", lambda s: s.channels.crm_tick_s),
    Tick("weekly-reports-due", "escucha.report.due", lambda s: s.report.report_tick_s),
    Tick("pollers-due", "escucha.poll.due", lambda s: s.channels.poll_tick_s),
)


def schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    return {
        tick.name: {
            "task": tick.task,
            "schedule": (every := tick.every(settings)),
            "options": {"expires": max(every, MIN_EXPIRY_S)},
        }
        for tick in TICKS
    }
