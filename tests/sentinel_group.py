"""A Redis Sentinel group of real processes: a primary, a replica and three sentinels.

Sentinel is redis-server itself in `--sentinel` mode, so it needs no other binary; a build
without it (some bundled ones) exits at once, and `SentinelUnavailable` says so.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import redis

from escucha.ops.lifecycle import Lifecycle
from escucha.ops.redis_server import RedisServer, find_binary, free_port

QUORUM = 2
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 3000


class SentinelUnavailable(RuntimeError):
    pass


class Node(RedisServer):
    """A data node: the primary, or (with `replica_of`) a replica of the one on that port."""

    def __init__(self, data_dir: Path, replica_of: int | None = None) -> None:
        super().__init__(data_dir, port=free_port(), maxmemory_mb=256)
        self.replica_of = replica_of

    def command(self) -> list[str]:
        follow = ["--replicaof", "127.0.0.1", str(self.replica_of)] if self.replica_of else []
        return [*super().command(), *follow]


class SentinelNode(Lifecycle):
    """One sentinel watching `master` on `primary_port`; its config file is its own to rewrite."""

    def __init__(self, data_dir: Path, master: str, primary_port: int) -> None:
        self.data_dir = data_dir
        self.master = master
        self.primary_port = primary_port
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def config(self) -> str:
        watched = f"{self.master}"
        return "\n".join([
            f"port {self.port}", "bind 127.0.0.1", f"dir {self.data_dir.resolve()}",
            "logfile sentinel.log",
            f"sentinel monitor {watched} 127.0.0.1 {self.primary_port} {QUORUM}",
            f"sentinel down-after-milliseconds {watched} {DOWN_AFTER_MS}",
            f"sentinel failover-timeout {watched} {FAILOVER_TIMEOUT_MS}",
            f"sentinel parallel-syncs {watched} 1", "",
        ])  # fmt: skip

    def start(self) -> SentinelNode:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        conf = self.data_dir / "sentinel.conf"
        conf.write_text(self.config())
        self.process = subprocess.Popen(
            [find_binary(), str(conf), "--sentinel"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = (
                    self.process.stderr.read().decode(errors="replace")
                    if self.process.stderr
                    else ""
                )
                raise SentinelUnavailable(f"redis-server --sentinel exited: {error}{self.log()}")
            try:
                if self.client().ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise SentinelUnavailable(f"no sentinel answered on port {self.port}: {self.log()}")

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=1.0, decode_responses=True)

    def log(self) -> str:
        path = self.data_dir / "sentinel.log"
        return path.read_text(errors="replace")[-1500:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class SentinelGroup(Lifecycle):
    """`primary` and `replica` under three sentinels; `url` is kombu's Sentinel form."""

    def __init__(self, root: Path, master: str) -> None:
        self.master = master
        self.primary = Node(root / "primary")
        self.replica: Node | None = None
        self.sentinels: list[SentinelNode] = []
        self.root = root

    @property
    def url(self) -> str:
        return ";".join(f"sentinel://127.0.0.1:{s.port}/0" for s in self.sentinels)

    def start(self) -> SentinelGroup:
        try:
            self.primary.start()
            self.replica = Node(self.root / "replica", replica_of=self.primary.port).start()
            for n in range(3):
                node = SentinelNode(self.root / f"sentinel-{n}", self.master, self.primary.port)
                self.sentinels.append(node.start())
            self._wait_formed()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_formed(self, timeout_s: float = 30) -> None:
        """Until the replica is in sync and every sentinel knows the replica and the others:
        before that a failover could find no quorum, or nobody to promote."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._formed():
                return
            time.sleep(0.2)
        raise AssertionError(f"the sentinel group never formed: {self.sentinels[0].log()}")

    def _formed(self) -> bool:
        assert self.replica is not None
        replica = redis.Redis(port=self.replica.port, decode_responses=True)
        try:
            if replica.info("replication").get("master_link_status") != "up":
                return False
        finally:
            replica.close()
        for sentinel in self.sentinels:
            with sentinel.client() as client:
                state = client.sentinel_master(self.master)
            if int(state["num-other-sentinels"]) < 2 or int(state["num-slaves"]) < 1:
                return False
        return True

    def primary_port(self) -> int:
        """The port the sentinels now name as the primary."""
        with self.sentinels[0].client() as client:
            _, port = client.sentinel_get_master_addr_by_name(self.master)
        return int(port)

    def stop(self) -> None:
        for sentinel in self.sentinels:
            sentinel.stop()
        for node in (self.replica, self.primary):
            if node is not None:
                node.stop()
