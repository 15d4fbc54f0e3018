"""Scheduled upkeep: re-publish accepted mentions that outlived their deadline."""

from __future__ import annotations

from config.settings import get_settings
from escucha.sweeper import sweep as sweep_ledger
from workers.app import app
from workers.queues import stage_backlog
from workers.resources import channel_health, context


@app.task(name="escucha.monitor.sweep")
def sweep() -> dict[str, int]:
    settings = get_settings()
    ctx = context()
    report = sweep_ledger(
        ctx, settings.ledger_deadline_s, settings.max_sweeps, lambda: stage_backlog(ctx.redis)
    )
    return {"republished": report.republished, "dead_lettered": report.dead_lettered}


@app.task(name="escucha.monitor.channels")
def watch_channels() -> list[str]:
    """Raise a health event for each channel that went silent."""
    return channel_health().raise_silence_events()
