"""Waiting until started workers answer, so timings measure work rather than start-up."""

from __future__ import annotations

import time

from escucha.ops.launcher import Launcher
from workers.app import app


class WorkersNotReady(RuntimeError):
    pass


def wait_for_workers(count: int, timeout_s: float, launcher: Launcher | None = None) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if launcher is not None and (dead := launcher.dead()):
            raise WorkersNotReady(f"worker process exited during start-up: {', '.join(dead)}")
        replies = app.control.ping(timeout=0.5)
        names = [name for reply in replies for name in reply]
        if len(names) >= count:
            return names
    raise WorkersNotReady(f"{count} workers did not answer within {timeout_s:.0f} s")
