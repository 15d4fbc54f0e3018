"""Celery's queues and routes, built from the stage registry (escucha/pipeline/stages.py)."""

from __future__ import annotations

from kombu import Queue

from escucha.pipeline.stages import (
    JOBS,
    MONITOR,
    QUEUE_NAMES,
    STAGE_NAMES,
    TASK_STAGE_NAMES,
    queue_name,
    task_name,
)
from workers import beat

QUEUES = tuple(Queue(name, routing_key=name) for name in QUEUE_NAMES)
TICKS = {"queue": queue_name(MONITOR), "routing_key": queue_name(MONITOR)}
WORK = {"queue": queue_name(JOBS), "routing_key": queue_name(JOBS)}
ROUTES = (
    {task_name(s): {"queue": queue_name(s), "routing_key": queue_name(s)} for s in TASK_STAGE_NAMES}
    | {
        # Deletes go to the store's own worker, so they serialise with the writes they undo.
        task_name("delete"): {"queue": queue_name("persist"), "routing_key": queue_name("persist")},
        # What the ticks hand out: pollers, replies and alerts (an HTTP call each), a case
        # re-projected (a few queries), a tenant's crisis check (rollups, not mentions), a
        # weekly report (a PDF drawn and mailed: seconds).
        "escucha.poll.*": WORK,
        "escucha.reply.*": WORK,
        "escucha.care.*": WORK,
        "escucha.crisis.*": WORK,
        "escucha.alert.*": WORK,
        "escucha.crm.*": WORK,
        "escucha.report.*": WORK,
    }
    # What beat sends: each expires if it waits too long, so none waits behind the work (an
    # exact name wins over the globs above).
    | {tick.task: TICKS for tick in beat.TICKS}
    | {  # the benchmark's naive baseline runs on the same queues and workers
        f"escucha.naive.{s}": {"queue": queue_name(s), "routing_key": queue_name(s)}
        for s in STAGE_NAMES
    }
)
ALL_QUEUES = ",".join(q.name for q in QUEUES if q.name)
