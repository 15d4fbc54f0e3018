"""The one list of stages, and what derives from it: queues, task names, worker groups.

`workers/queues.py` builds Celery's queues and routes from it, the launcher starts its worker
groups, and `tests/test_compose.py` checks compose's worker commands against it. Adding a
stage starts here (README, "Adding a stage").
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import redis
from pydantic import BaseModel

from escucha.core.models import (
    AnalyzedMention,
    NormalizedMention,
    StagedMention,
    TriagedMention,
)

MONITOR = "monitor"  # beat's ticks (the sweeper, channel watch, what is due): a queue, not a stage
# The work ticks hand out, one message each (a case to re-project, a reply or alert to send, a
# poller to run, a tenant to check). A queue apart, so a flood of it never keeps a tick waiting
# past its expiry: the monitor worker takes from both queues in turn.
JOBS = "jobs"
QUEUE_PREFIX = "escucha."


@dataclass(frozen=True)
class Stage:
    name: str
    consumes: str
    produces: str | None
    model: type[BaseModel]
    next: str | None


STAGES = {
    s.name: s
    for s in (
        Stage("normalize", "raw", "normalized", StagedMention, "analyze"),
        Stage("analyze", "normalized", "analyzed", NormalizedMention, "triage"),
        Stage("triage", "analyzed", "triaged", AnalyzedMention, "persist"),
        Stage("persist", "triaged", None, TriagedMention, None),
    )
}
STAGE_CONSUMING = {s.consumes: s.name for s in STAGES.values()}
STAGE_NAMES = tuple(STAGES)


def queue_name(stage: str) -> str:
    return f"{QUEUE_PREFIX}{stage}"


def task_name(stage: str) -> str:
    return f"escucha.{stage}"


QUEUE_NAMES = tuple(queue_name(s) for s in (*STAGE_NAMES, MONITOR, JOBS))


@dataclass(frozen=True)
class WorkerGroup:
    """One worker process (with its pool of children) consuming some stage queues."""

    name: str
    stages: tuple[str, ...]
    concurrency: int

    @property
    def queues(self) -> str:
        return ",".join(queue_name(s) for s in self.stages)


def default_groups(cpus: int | None = None) -> tuple[WorkerGroup, ...]:
    """CPU-bound stages share the cores; the store gets one writer, which SQLite prefers; the
    sweeper, channel watch and pollers (network waits) run apart, off the store's path."""
    cpus = cpus or os.cpu_count() or 1
    return (
        WorkerGroup("stages", ("normalize", "analyze", "triage"), cpus),
        WorkerGroup("store", ("persist",), 1),
        WorkerGroup("monitor", (MONITOR, JOBS), 1),
    )


def stage_backlog(client: redis.Redis) -> int:
    """Messages waiting in the stage queues (the monitor queue, where the asker runs, aside)."""
    with client.pipeline(transaction=False) as pipe:
        for stage in STAGE_NAMES:
            pipe.llen(queue_name(stage))
        return sum(int(n) for n in pipe.execute())
