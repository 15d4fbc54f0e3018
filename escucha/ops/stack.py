"""Bringing up what a command needs: the configured broker, or a private one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from config.settings import Settings
from escucha.ops.redis_server import RedisServer


def _marker(data_dir: Path) -> Path:
    return data_dir / "redis" / "url"


def running_embedded(data_dir: Path) -> str | None:
    """The URL of a private Redis another escucha process started under data_dir, if alive."""
    marker = _marker(data_dir)
    if not marker.exists():
        return None
    url = marker.read_text().strip()
    try:
        with redis.Redis.from_url(url, socket_connect_timeout=0.5) as client:
            client.ping()
        return url
    except redis.RedisError:
        return None


def running_broker(settings: Settings) -> str | None:
    """The live Redis a read-only command may look at, without starting anything."""
    return settings.stores.redis_url or running_embedded(settings.stores.data_dir)


@contextmanager
def broker(settings: Settings, supervise: bool = False) -> Iterator[str]:
    """Yield a live Redis URL: REDIS_URL if set, else a private redis-server for this data dir.

    With `supervise`, a private server that exits is restarted (`escucha up`). A data dir whose
    server is owned by another process but does not answer raises RedisServerError.
    """
    if settings.stores.redis_url:
        yield settings.stores.redis_url
        return
    shared = running_embedded(settings.stores.data_dir)
    if shared:
        yield shared
        return
    server = RedisServer(
        settings.stores.data_dir / "redis", maxmemory_mb=settings.stores.redis_maxmemory_mb
    )
    with server:
        if supervise:
            server.supervise()
        _marker(settings.stores.data_dir).write_text(server.url)
        try:
            yield server.url
        finally:
            _marker(settings.stores.data_dir).unlink(missing_ok=True)
