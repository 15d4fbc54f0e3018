"""Celery's queues and routes, built from the stage registry (escucha/pipeline/stages.py)."""

from __future__ import annotations

from kombu import Queue

from escucha.pipeline.stages import MONITOR, QUEUE_NAMES, STAGE_NAMES, queue_name, task_name

QUEUES = tuple(Queue(name, routing_key=name) for name in QUEUE_NAMES)
ROUTES = (
    {task_name(s): {"queue": queue_name(s), "routing_key": queue_name(s)} for s in STAGE_NAMES}
    | {
        # Deletes go to the store's own worker, so they serialise with the writes they undo.
        task_name("delete"): {"queue": queue_name("persist"), "routing_key": queue_name("persist")},
        "escucha.monitor.*": {"queue": queue_name(MONITOR), "routing_key": queue_name(MONITOR)},
        "escucha.poll.*": {"queue": queue_name(MONITOR), "routing_key": queue_name(MONITOR)},
        # Replies are few and slow (one HTTP call each): the monitor worker sends them.
        "escucha.reply.*": {"queue": queue_name(MONITOR), "routing_key": queue_name(MONITOR)},
        # Re-projecting a case is a few queries; it runs beside the replies it follows.
        "escucha.care.*": {"queue": queue_name(MONITOR), "routing_key": queue_name(MONITOR)},
        # A crisis check reads rollups, not mentions; alerts are a few HTTP or SMTP calls.
        "escucha.crisis.*": {"queue": queue_name(MONITOR), "routing_key": queue_name(MONITOR)},
        "escucha.alert.*": {"queue": queue_name(MONITOR), "routing_key": queue_name(MONITOR)},
    }
    | {  # the benchmark's naive baseline runs on the same queues and workers
        f"escucha.naive.{s}": {"queue": queue_name(s), "routing_key": queue_name(s)}
        for s in STAGE_NAMES
    }
)
ALL_QUEUES = ",".join(q.name for q in QUEUES if q.name)
