"""What Celery beat runs, and how often."""

from __future__ import annotations

from typing import Any

from config.settings import Settings


def schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    return {
        "sweep-ledger": {
            "task": "escucha.monitor.sweep",
            "schedule": settings.sweep_interval_s,
            "options": {"expires": settings.sweep_interval_s},
        },
    }
