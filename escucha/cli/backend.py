"""What the command line needs from the task queue that carries the stages.

escucha never imports that queue system. The `escucha` command starts from `workers/cli.py`,
which hands the command line a Celery `QueueBackend` as its context object.
"""

from __future__ import annotations

from typing import Protocol

import typer

from escucha.ops.launcher import Launcher
from escucha.pipeline.context import DispatchError
from escucha.pipeline.replay import Republish


class QueueBackend(Protocol):
    def use_broker(self, url: str) -> None:
        """Point this process's queue client at the broker at `url`, before any work is sent."""

    def dispatch(self, stage: str, batch_id: str, ids: list[str]) -> None:
        """Hand a batch of ids to a stage."""

    def republish(self) -> Republish:
        """Put dead-lettered messages back as they were."""

    def wait_for_workers(
        self, count: int, timeout_s: float, launcher: Launcher | None = None
    ) -> list[str]:
        """Names of the workers that answer, once `count` of them do."""


def backend_of(ctx: typer.Context) -> QueueBackend:
    """The backend the `escucha` command plugged in, or a clear exit without one."""
    backend = ctx.find_root().obj
    if backend is None:
        typer.echo(
            f"`{ctx.command_path}` hands work to the workers: run it as `escucha` "
            "(or `python -m workers.cli`), which plugs in the Celery backend",
            err=True,
        )
        raise typer.Exit(2)
    return backend


def refuse_dispatch(stage: str, batch_id: str, ids: list[str]) -> None:
    """For read-only commands, which never hand work on."""
    raise DispatchError(f"a read-only command cannot dispatch to {stage}")
