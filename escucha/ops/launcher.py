"""Starting and stopping Celery worker and beat processes, for `escucha up`, the demo and tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from escucha.core.logs import get_logger
from escucha.ops.lifecycle import Lifecycle
from escucha.ops.restarts import Backoff
from escucha.pipeline.stages import WorkerGroup, default_groups

log = get_logger("escucha.launcher")

CELERY = ("celery", "-A", "workers.app")


@dataclass
class Launcher(Lifecycle):
    env: Mapping[str, str]
    log_dir: Path
    groups: Sequence[WorkerGroup] = field(default_factory=default_groups)
    beat: bool = True
    loglevel: str = "INFO"
    supervise: bool = False  # restart a process that exits, as systemd or compose would
    metrics_port: int | None = None  # worker groups serve /metrics on this port and the next
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)
    _backoffs: dict[str, Backoff] = field(default_factory=dict)
    _due: dict[str, float] = field(default_factory=dict)  # when an exited process restarts
    _commands: dict[str, list[str]] = field(default_factory=dict)
    _envs: dict[str, dict[str, str]] = field(default_factory=dict)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _watcher: threading.Thread | None = None

    def _spawn(
        self,
        name: str,
        args: list[str],
        program: tuple[str, ...] = CELERY,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        self._commands[name] = [sys.executable, "-m", *program, *args]
        self._envs[name] = {**os.environ, **self.env, **(env or {})}
        return self._run(name)

    def _run(self, name: str) -> subprocess.Popen[bytes]:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            self._commands[name], stdout=log, stderr=subprocess.STDOUT, env=self._envs[name]
        )
        log.close()
        self.processes[name] = process
        self._backoffs.setdefault(name, Backoff()).started(time.monotonic())
        return process

    def _watch(self) -> None:
        # Workers can die of things outside escucha (a broker client bug on reconnect, the
        # OOM killer); the ledger keeps their mentions, and a fresh process picks them up.
        # One that keeps dying (its broker is away) is restarted less and less often.
        while not self._stopping.wait(0.5):
            now = time.monotonic()
            for name in self.dead():
                if self._stopping.is_set():
                    return
                if name not in self._due:
                    wait = self._backoffs[name].exited(now)
                    self._due[name] = now + wait
                    code = self.processes[name].returncode
                    log.warning("process exited", process=name, exit_code=code, restart_in_s=wait)
                if now >= self._due[name]:
                    del self._due[name]
                    self.restarts[name] = self.restarts.get(name, 0) + 1
                    self._run(name)

    def start_worker(self, group: WorkerGroup) -> subprocess.Popen[bytes]:
        env = {}
        if self.metrics_port is not None:
            index = self.groups.index(group) if group in self.groups else 0
            env["ESCUCHA_METRICS_PORT"] = str(self.metrics_port + index)
        return self._spawn(group.name, [
            "worker", "-Q", group.queues, "-c", str(group.concurrency), "-n", f"{group.name}@%h",
            "--loglevel", self.loglevel, "--without-gossip", "--without-mingle",
        ], env=env)  # fmt: skip

    def start_beat(self, name: str = "beat") -> subprocess.Popen[bytes]:
        return self._spawn(name, ["beat", "--loglevel", self.loglevel])

    def start_api(self, host: str, port: int) -> subprocess.Popen[bytes]:
        return self._spawn("api", ["api", "--host", host, "--port", str(port)], ("workers.cli",))

    def start(self) -> Launcher:
        for group in self.groups:
            self.start_worker(group)
        if self.beat:
            self.start_beat()
        if self.supervise:
            self._watcher = threading.Thread(target=self._watch, name="supervisor", daemon=True)
            self._watcher.start()
        return self

    def dead(self) -> list[str]:
        return [name for name, p in self.processes.items() if p.poll() is not None]

    def stop(self, timeout_s: float = 20.0) -> None:
        """SIGTERM (warm shutdown: finish the current batch), then SIGKILL what is left."""
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join()
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
