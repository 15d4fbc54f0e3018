"""Real servers for the tests: a private redis-server for the session, PostgreSQL on demand.

Redis starts in pytest_configure, before any test module imports the Celery app, so every
import of `workers.app` in this process sees the test broker.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import redis

from escucha.ops.redis_server import RedisServer

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from escucha.store.store import Store

# ESCUCHA_SHARED_DATA moves it, or hides it (CI runs the analysis tests once without it).
SHARED_DATA = Path(
    os.environ.get("ESCUCHA_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
_servers: dict[str, RedisServer] = {}


def pytest_configure(config: pytest.Config) -> None:
    root = Path(tempfile.mkdtemp(prefix="escucha-test-"))
    server = RedisServer(root / "redis").start()
    _servers["redis"] = server
    os.environ["REDIS_URL"] = server.url
    os.environ["ESCUCHA_DATA_DIR"] = str(root / "data")
    os.environ.pop("DATABASE_URL", None)
    config.stash_root = root  # type: ignore[attr-defined]


def pytest_unconfigure(config: pytest.Config) -> None:
    server = _servers.pop("redis", None)
    if server is not None:
        server.stop()
    root = getattr(config, "stash_root", None)
    if root is not None:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server() -> RedisServer:
    return _servers["redis"]


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url)
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'escucha.db'}"


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from tests.postgres_server import PostgresServer, PostgresUnavailable

    required = os.environ.get("ESCUCHA_REQUIRE_POSTGRES") == "1"
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="escucha-pg-")))
    try:
        server.start()
    except PostgresUnavailable as error:
        if required:
            pytest.fail(f"PostgreSQL is required (ESCUCHA_REQUIRE_POSTGRES=1) but: {error}")
        pytest.skip(f"no PostgreSQL server could be started: {error}")
    yield server.url
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store test runs on SQLite and on PostgreSQL (a fresh database each time)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'escucha.db'}"
        return
    from tests.postgres_server import fresh_database

    base = request.getfixturevalue("postgres_url")
    name = f"t_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    with fresh_database(base, name) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on `database_url`, migrated to head."""
    from escucha.store.migrate import upgrade
    from escucha.store.store import make_engine

    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """The store on `database_url`, migrated to head."""
    from escucha.store.migrate import upgrade
    from escucha.store.store import Store

    upgrade(database_url)
    store = Store.from_url(database_url)
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(
            f"labelled data not found at {SHARED_DATA} (it lives beside the repo, never in it)"
        )
    return SHARED_DATA
