"""What Celery beat runs, and how often. Pollers are not listed here: `escucha.poll.due`
reads them from the tenants table each tick, so adding one needs no beat restart."""

from __future__ import annotations

from typing import Any

from config.settings import Settings


def schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    return {
        "sweep-ledger": {
            "task": "escucha.monitor.sweep",
            "schedule": settings.pipeline.sweep_interval_s,
            "options": {"expires": settings.pipeline.sweep_interval_s},
        },
        "watch-redis-memory": {
            "task": "escucha.monitor.redis_memory",
            "schedule": 60.0,
            "options": {"expires": 60.0},
        },
        "watch-channels": {
            "task": "escucha.monitor.channels",
            "schedule": 60.0,
            "options": {"expires": 60.0},
        },
        "replies-due": {
            "task": "escucha.reply.due",
            "schedule": settings.channels.outbox_tick_s,
            "options": {"expires": settings.channels.outbox_tick_s},
        },
        "cases-due": {
            "task": "escucha.care.due",
            "schedule": settings.care.care_tick_s,
            "options": {"expires": settings.care.care_tick_s},
        },
        "crisis-due": {
            "task": "escucha.crisis.due",
            "schedule": settings.crisis.crisis_tick_s,
            "options": {"expires": settings.crisis.crisis_tick_s},
        },
        "alerts-due": {
            "task": "escucha.alert.due",
            "schedule": settings.crisis.alert_tick_s,
            "options": {"expires": settings.crisis.alert_tick_s},
        },
        "pollers-due": {
            "task": "escucha.poll.due",
            "schedule": settings.channels.poll_tick_s,
            "options": {"expires": settings.channels.poll_tick_s},
        },
    }
