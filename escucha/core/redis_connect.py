"""The one way escucha's own code reaches Redis: a server's URL, or Redis Sentinel's.

REDIS_URL is either a plain `redis://` URL or kombu's Sentinel form, one `sentinel://` URL per
sentinel joined by `;` (`sentinel://:secret@s1:26379/0;sentinel://s2:26379;...`): the first
URL's password and database are the primary's. The broker reads the same string, so staging,
the ledger and Celery's queues always live on the same primary. The sentinels themselves are
asked without a password.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import redis
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.asyncio.sentinel import Sentinel as AsyncSentinel
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry
from redis.sentinel import Sentinel

SCHEME = "sentinel"
DEFAULT_PORT = 26379
DEFAULT_MASTER = "mymaster"  # the service name in redis's own sentinel.conf example
SENTINEL_TIMEOUT_S = 1.0  # a sentinel that does not answer this fast is skipped for the next
# A failover takes down-after-milliseconds plus an election; these retries span a short one
# (tests: ~2 s) and then give up, so a producer gets its 503 instead of a hung request.
FAILOVER_RETRIES = 4
FAILOVER_BACKOFF = (0.25, 2.0)  # base and cap, seconds


@dataclass(frozen=True)
class SentinelAddress:
    """Where the sentinels are, and what the primary they name expects from a client."""

    nodes: tuple[tuple[str, int], ...]
    db: int = 0
    username: str | None = None
    password: str | None = None


def is_sentinel(url: str) -> bool:
    return url.startswith(f"{SCHEME}://")


def sentinel_address(url: str) -> SentinelAddress | None:
    """The sentinels in kombu's `sentinel://h1:26379;sentinel://h2:26379` form; None for a
    plain Redis URL. A malformed one raises ValueError, naming the part it could not read."""
    if not is_sentinel(url):
        return None
    parts = [urlsplit(part.strip()) for part in url.split(";") if part.strip()]
    for part in parts:
        if part.scheme != SCHEME or not part.hostname:
            raise ValueError(f"not a sentinel://host:port URL: {part.geturl()!r}")
    first = parts[0]
    database = first.path.strip("/")
    if database and not database.isdigit():
        raise ValueError(f"the database in {first.geturl()!r} is not a number")
    return SentinelAddress(
        nodes=tuple((str(p.hostname), p.port or DEFAULT_PORT) for p in parts),
        db=int(database or 0),
        username=unquote(first.username) if first.username else None,
        password=unquote(first.password) if first.password else None,
    )


def _backoff() -> ExponentialWithJitterBackoff:
    base, cap = FAILOVER_BACKOFF
    return ExponentialWithJitterBackoff(base=base, cap=cap)


def connect(
    url: str,
    master: str = DEFAULT_MASTER,
    *,
    socket_timeout_s: float | None = None,
    health_check_interval: int = 30,
) -> redis.Redis:
    """A client for the primary: straight from a plain URL, or through Sentinel, which tells
    every new connection where the primary is now (a demoted one's READONLY reconnects)."""
    address = sentinel_address(url)
    options = {
        "health_check_interval": health_check_interval,
        "socket_timeout": socket_timeout_s,
        "socket_connect_timeout": socket_timeout_s,
    }
    if address is None:
        return redis.Redis.from_url(url, **options)
    sentinels = Sentinel(
        list(address.nodes),
        sentinel_kwargs={
            "socket_timeout": SENTINEL_TIMEOUT_S,
            "socket_connect_timeout": SENTINEL_TIMEOUT_S,
        },
        db=address.db,
        username=address.username,
        password=address.password,
        retry=Retry(_backoff(), FAILOVER_RETRIES),
        **options,
    )
    return sentinels.master_for(master)


def connect_async(
    url: str, master: str = DEFAULT_MASTER, *, socket_timeout_s: float | None = None
) -> aioredis.Redis:
    """The asyncio twin of `connect`, for the web inbox's event streams."""
    address = sentinel_address(url)
    if address is None:
        return aioredis.Redis.from_url(url, socket_timeout=socket_timeout_s)
    sentinels = AsyncSentinel(
        list(address.nodes),
        sentinel_kwargs={"socket_timeout": SENTINEL_TIMEOUT_S},
        db=address.db,
        username=address.username,
        password=address.password,
        retry=AsyncRetry(_backoff(), FAILOVER_RETRIES),
        socket_timeout=socket_timeout_s,
    )
    return sentinels.master_for(master)
