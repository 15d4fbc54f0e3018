"""What Celery beat runs, and how often."""

from __future__ import annotations

from typing import Any

from config.settings import Settings
from escucha.core.poller_config import channel_name
from escucha.core.tenant import load_tenant


def schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    return {
        "sweep-ledger": {
            "task": "escucha.monitor.sweep",
            "schedule": settings.sweep_interval_s,
            "options": {"expires": settings.sweep_interval_s},
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
        **pollers(settings),
    }


def pollers(settings: Settings) -> dict[str, dict[str, Any]]:
    """One entry per poller in the tenant file; a slot that expires unrun is simply skipped."""
    if not settings.tenant_file.exists():
        return {}
    return {
        f"poll:{name}": {
            "task": "escucha.poll.run",
            "schedule": poll.interval_s,
            "args": [name],
            "options": {"expires": poll.interval_s},
        }
        for poll in load_tenant(settings.tenant_file).pollers()
        for name in [channel_name(poll)]
    }
