"""The one list of stages, and what derives from it: queues, task names, worker groups.

`workers/queues.py` builds Celery's queues and routes from it, the launcher starts its worker
groups, and `tests/test_compose.py` checks compose's worker commands against it. Adding a
stage starts here (README, "Adding a stage").

Two topologies run the same stages: `split`, one queue per stage, each scalable on its own
machines; and `fused`, where normalize, analyze and triage run in one task on one batch (one
decode, one write, no hops between them), with persist apart because it owns the database.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal, get_args

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
    steps: tuple[str, ...] = ()  # the stages a fused task runs in turn, each its own module


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

Topology = Literal["split", "fused"]
TOPOLOGIES: tuple[Topology, ...] = get_args(Topology)
DEFAULT_TOPOLOGY: Topology = "fused"  # one host, or embedded: no hop is worth its cost there
FUSED = Stage(
    "fused", "raw", "triaged", StagedMention, "persist", ("normalize", "analyze", "triage")
)
# Every stage a task runs: the four, and the fused one (a queue of its own).
TASK_STAGES = {**STAGES, FUSED.name: FUSED}
TASK_STAGE_NAMES = tuple(TASK_STAGES)
# Where a mention enters, in each topology: ingest and the sweeper send raw records here.
ENTRY = {"split": STAGES["normalize"], "fused": FUSED}


def next_stage(kind: str, topology: Topology) -> str:
    """The stage a record of `kind` goes to in `topology` (a raw one enters the topology)."""
    entry = ENTRY[topology]
    return entry.name if kind == entry.consumes else STAGE_CONSUMING[kind]


def queue_name(stage: str) -> str:
    return f"{QUEUE_PREFIX}{stage}"


def task_name(stage: str) -> str:
    return f"escucha.{stage}"


QUEUE_NAMES = tuple(queue_name(s) for s in (*TASK_STAGE_NAMES, MONITOR, JOBS))


@dataclass(frozen=True)
class WorkerGroup:
    """One worker process (with its pool of children) consuming some stage queues."""

    name: str
    stages: tuple[str, ...]
    concurrency: int

    @property
    def queues(self) -> str:
        return ",".join(queue_name(s) for s in self.stages)


def stage_group(cpus: int, topology: Topology) -> WorkerGroup:
    """The CPU-bound stages' worker, its children sharing the cores, in each topology."""
    if topology == "split":
        return WorkerGroup("stages", FUSED.steps, cpus)
    # The split queues too: a record left part way (a replayed dead letter, a sweep after a
    # switch from split) still moves on, and the benchmark's naive chain runs on them.
    return WorkerGroup("fused", (FUSED.name, *FUSED.steps), cpus)


def default_groups(
    cpus: int | None = None, topology: Topology = DEFAULT_TOPOLOGY
) -> tuple[WorkerGroup, ...]:
    """CPU-bound stages share the cores; the store gets one writer, which SQLite prefers; the
    sweeper, channel watch and pollers (network waits) run apart, off the store's path."""
    cpus = cpus or os.cpu_count() or 1
    return (
        stage_group(cpus, topology),
        WorkerGroup("store", ("persist",), 1),
        WorkerGroup("monitor", (MONITOR, JOBS), 1),
    )


def stage_backlog(client: redis.Redis) -> int:
    """Messages waiting in the stage queues (the monitor queue, where the asker runs, aside)."""
    with client.pipeline(transaction=False) as pipe:
        for stage in TASK_STAGE_NAMES:
            pipe.llen(queue_name(stage))
        return sum(int(n) for n in pipe.execute())
