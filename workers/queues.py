"""Queue topology: one queue per stage, so each stage can be scaled and watched on its own."""

from __future__ import annotations

import redis
from kombu import Queue

STAGES = ("normalize", "analyze", "triage", "persist")
MONITOR = "monitor"
QUEUE_PREFIX = "escucha."


def queue_name(stage: str) -> str:
    return f"{QUEUE_PREFIX}{stage}"


def task_name(stage: str) -> str:
    return f"escucha.{stage}"


QUEUES = tuple(Queue(queue_name(s), routing_key=queue_name(s)) for s in (*STAGES, MONITOR))
ROUTES = (
    {task_name(s): {"queue": queue_name(s), "routing_key": queue_name(s)} for s in STAGES}
    | {
        # Deletes go to the store's own worker, so they serialise with the writes they undo.
        task_name("delete"): {"queue": queue_name("persist"), "routing_key": queue_name("persist")},
        "escucha.monitor.*": {"queue": queue_name(MONITOR), "routing_key": queue_name(MONITOR)},
        "escucha.poll.*": {"queue": queue_name(MONITOR), "routing_key": queue_name(MONITOR)},
    }
    | {  # the benchmark's naive baseline runs on the same queues and workers
        f"escucha.naive.{s}": {"queue": queue_name(s), "routing_key": queue_name(s)} for s in STAGES
    }
)
ALL_QUEUES = ",".join(q.name for q in QUEUES if q.name)


def stage_backlog(client: redis.Redis) -> int:
    """Messages waiting in the stage queues (the monitor queue, where the asker runs, aside)."""
    with client.pipeline(transaction=False) as pipe:
        for stage in STAGES:
            pipe.llen(queue_name(stage))
        return sum(int(n) for n in pipe.execute())
