"""Scheduled upkeep: re-publish accepted mentions that outlived their deadline."""

from __future__ import annotations

from config.settings import get_settings
from escucha.channels.health import report_redis_memory
from escucha.core.logs import get_logger
from escucha.pipeline import redis_memory
from escucha.pipeline.deletion import Tombstones
from escucha.pipeline.stages import stage_backlog
from escucha.pipeline.sweeper import sweep as sweep_ledger
from workers.app import app
from workers.resources import channel_health, context


@app.task(name="escucha.monitor.sweep")
def sweep() -> dict[str, int]:
    settings = get_settings()
    ctx = context()
    report = sweep_ledger(
        ctx,
        settings.pipeline.ledger_deadline_s,
        settings.pipeline.max_sweeps,
        lambda: stage_backlog(ctx.redis),
    )
    forgotten = Tombstones(ctx.redis).trim(settings.pipeline.stage_ttl_s)
    return {
        "republished": report.republished,
        "deferred": report.deferred,
        "dead_lettered": report.dead_lettered,
        "tombstones_forgotten": forgotten,
    }


@app.task(name="escucha.monitor.channels")
def watch_channels() -> list[str]:
    """Raise a health event for each channel that went silent."""
    return channel_health().raise_silence_events()


@app.task(name="escucha.monitor.redis_memory")
def watch_redis_memory() -> float:
    """Warn, on the operator's health record and in the log, before Redis reaches maxmemory."""
    use = redis_memory.memory_use(context().redis)
    if report_redis_memory(channel_health(), use):
        get_logger("escucha.monitor").warning("redis memory high", detail=use.describe())
    return use.ratio
