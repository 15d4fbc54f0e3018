"""Running until Ctrl-C (or SIGTERM) while a launcher's processes serve, saying what restarted."""

from __future__ import annotations

import signal
import time
from typing import Any

from rich.console import Console


def wait_for_interrupt(stack: Any, console: Console, err: Console) -> None:
    """Until SIGINT or SIGTERM; each restart of a supervised process is reported once."""
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    # Set, not inherited: a shell starting `escucha up &` without job control ignores SIGINT,
    # and Python then keeps ignoring it, so Ctrl-C or `kill -INT` would never stop it.
    signal.signal(signal.SIGINT, stop)
    reported: dict[str, int] = {}
    try:
        while not stopping:
            for name, count in stack.restarts.items():
                if reported.get(name) != count:
                    err.print(f"[yellow]{name} exited and was restarted[/] ({count}x); see its log")
                    reported[name] = count
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    console.print("stopping: workers finish their current batch")
