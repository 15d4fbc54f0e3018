"""Shared pieces of pipeline tests: a pipeline context whose dispatches are recorded instead
of sent (broker-free tests), a migrated SQLite store, and waiting for mentions to be stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from escucha.context import PipelineContext
from escucha.storage.migrate import upgrade
from tests.processes import wait_until


@dataclass
class Recorder:
    sent: list[tuple[str, str, list[str]]] = field(default_factory=list)

    def __call__(self, stage: str, batch_id: str, ids: list[str]) -> None:
        self.sent.append((stage, batch_id, list(ids)))

    def ids_for(self, stage: str) -> list[str]:
        return [i for s, _, ids in self.sent if s == stage for i in ids]


def recording_context(redis_url: str, batch_size: int = 100) -> tuple[PipelineContext, Recorder]:
    recorder = Recorder()
    return PipelineContext.connect(redis_url, recorder, batch_size=batch_size, ttl_s=3600), recorder


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
