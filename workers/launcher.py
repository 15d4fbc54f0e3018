"""Starting and stopping Celery worker and beat processes, for `escucha up`, the demo and tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from workers.lifecycle import Lifecycle
from workers.queues import MONITOR, queue_name

CELERY = ("celery", "-A", "workers.app")


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
    """CPU-bound stages share the cores; the store gets one writer, which SQLite prefers."""
    cpus = cpus or os.cpu_count() or 1
    return (
        WorkerGroup("stages", ("normalize", "analyze", "triage"), cpus),
        WorkerGroup("store", ("persist", MONITOR), 1),
    )


@dataclass
class Launcher(Lifecycle):
    env: Mapping[str, str]
    log_dir: Path
    groups: Sequence[WorkerGroup] = field(default_factory=default_groups)
    beat: bool = True
    loglevel: str = "INFO"
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def _spawn(
        self, name: str, args: list[str], program: tuple[str, ...] = CELERY
    ) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{name}.log").open("ab")
        command = [sys.executable, "-m", *program, *args]
        env = {**os.environ, **self.env}
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        self.processes[name] = process
        return process

    def start_worker(self, group: WorkerGroup) -> subprocess.Popen[bytes]:
        return self._spawn(group.name, [
            "worker", "-Q", group.queues, "-c", str(group.concurrency), "-n", f"{group.name}@%h",
            "--loglevel", self.loglevel, "--without-gossip", "--without-mingle",
        ])  # fmt: skip

    def start_beat(self, name: str = "beat") -> subprocess.Popen[bytes]:
        return self._spawn(name, ["beat", "--loglevel", self.loglevel])

    def start_api(self, host: str, port: int) -> subprocess.Popen[bytes]:
        return self._spawn("api", ["api", "--host", host, "--port", str(port)], ("escucha",))

    def start(self) -> Launcher:
        for group in self.groups:
            self.start_worker(group)
        if self.beat:
            self.start_beat()
        return self

    def dead(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is not None]

    def stop(self, timeout_s: float = 20.0) -> None:
        """SIGTERM (warm shutdown: finish the current batch), then SIGKILL what is left."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()
