"""Shared pieces of pipeline tests: a pipeline context whose dispatches are recorded instead
of sent (broker-free tests), a migrated SQLite store, real worker processes to drive, and
waiting for mentions to be stored."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from escucha.core.redis_connect import DEFAULT_MASTER, is_sentinel
from escucha.ops.launcher import Launcher
from escucha.pipeline.context import Dispatch, PipelineContext
from escucha.pipeline.stages import ENTRY, Topology, default_groups
from escucha.store.migrate import upgrade
from escucha.store.store import Store
from tests.processes import wait_until


@dataclass
class Recorder:
    sent: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def __call__(self, stage: str, batch_id: str, ids: list[str]) -> None:
        self.sent.append((stage, batch_id, list(ids)))

    def ids_for(self, stage: str) -> list[str]:
        return [i for s, _, ids in self.sent if s == stage for i in ids]

    def entered(self) -> list[str]:
        """Ids handed to where raw records enter, whichever the topology."""
        entries = {stage.name for stage in ENTRY.values()}
        return [i for s, _, ids in self.sent if s in entries for i in ids]


def recording_context(
    redis_url: str, batch_size: int = 100, topology: Topology = "split"
) -> tuple[PipelineContext, Recorder]:
    """Split by default: these tests drive one stage at a time."""
    recorder = Recorder()
    ctx = PipelineContext.connect(
        redis_url, recorder, batch_size=batch_size, ttl_s=3600, topology=topology
    )
    return ctx, recorder


def migrated_sqlite(root: Path) -> str:
    """The URL of a fresh SQLite store under `root`, migrated to head."""
    url = f"sqlite:///{root / 'escucha.db'}"
    upgrade(url)
    return url


def wait_stored(ctx: PipelineContext, ids: list[str], timeout_s: float = 120) -> None:
    """Until the ledger holds none of `ids`: each stored or dead-lettered."""
    assert wait_until(lambda: ctx.ledger.pending_among(ids) == 0, timeout_s), (
        f"{ctx.ledger.pending_among(ids)} of {len(ids)} not stored; stats {ctx.stats.read()}"
    )


def stage_worker(topology: Topology) -> str:
    """The name of the process that runs the CPU-bound stages in `topology`."""
    return default_groups(2, topology)[0].name


def stage_doing(topology: Topology, stage: str) -> str:
    """Whose delivery keys show `stage` at work: its own, or the fused stage's."""
    entry = ENTRY[topology]
    return entry.name if stage in entry.steps else stage


@contextmanager
def worker_stack(
    redis_url: str,
    root: Path,
    batch_size: int,
    settings: dict[str, str],
    ping: bool = True,
    topology: Topology = "fused",
    master: str = DEFAULT_MASTER,
    **launcher_options: Any,
) -> Iterator[tuple[Launcher, PipelineContext, Store, dict[str, str]]]:
    """The default worker groups of `topology` (two stage children) over `redis_url` and a
    fresh SQLite store under `root`; with a context that dispatches to them, the store, and
    their environment. With `ping`, waits until the workers answer on the test process's
    broker. A Sentinel `redis_url` names its service `master`; the context then acknowledges
    a batch only once a replica has it, as the settings' default does."""
    from workers.ready import wait_for_workers

    database_url = migrated_sqlite(root)
    env = {
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "ESCUCHA_BATCH_SIZE": str(batch_size),
        "ESCUCHA_TOPOLOGY": topology,
        **({"ESCUCHA_REDIS_MASTER": master} if is_sentinel(redis_url) else {}),
        **settings,
    }
    groups = default_groups(2, topology)
    launcher = Launcher(env, root / "logs", groups, **launcher_options).start()
    store = Store.from_url(database_url)
    try:
        if ping:
            wait_for_workers(2, timeout_s=60, launcher=launcher)
        with dispatching_to(redis_url, master) as dispatch:
            ctx = PipelineContext.connect(
                redis_url, dispatch, batch_size=batch_size, ttl_s=3600, topology=topology,
                master=master, ack_replicas=int(is_sentinel(redis_url)),
            )  # fmt: skip
            yield launcher, ctx, store, env
    finally:
        launcher.stop()
        store.dispose()


@contextmanager
def dispatching_to(redis_url: str, master: str = DEFAULT_MASTER) -> Iterator[Dispatch]:
    """A dispatch onto the broker at `redis_url` (Sentinel's service `master`): the test
    process's app sends to the session broker, so a stack with a broker of its own gets a
    sender of its own."""
    from celery import Celery

    from workers.app import app
    from workers.resources import dispatch, dispatch_with

    if redis_url == app.conf.broker_url:
        yield dispatch
        return
    sender = Celery("escucha-stack-sender", set_as_current=False)
    transport = dict(app.conf.broker_transport_options)
    if is_sentinel(redis_url):
        transport["master_name"] = master
    sender.config_from_object(
        {**app.conf.table(), "broker_url": redis_url, "broker_transport_options": transport}
    )
    try:
        yield dispatch_with(sender)
    finally:
        sender.close()
