"""One hierarchy for failures outside escucha's own code: transient or permanent.

Every outbound call (Redis, SQL, HTTP to platforms, later CRMs and alert channels) ends in one
of two answers. Transient: try again later (a stage retries its batch, the API answers 503 or
429, a poller or sender backs off, honouring the other side's Retry-After). Permanent: the same
call will fail the same way (a record is dead-lettered, a sender stops and says why).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx
import redis
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError


class EscuchaError(Exception):
    """A failure escucha names on purpose."""


class TransientError(EscuchaError):
    """Worth trying again; `retry_at` (Unix time) when the other side said when."""

    def __init__(self, reason: str, retry_at: float | None = None) -> None:
        super().__init__(reason)
        self.retry_at = retry_at


class RateLimited(TransientError):
    """The other side asked us to slow down (HTTP 429)."""


class PermanentError(EscuchaError):
    """Will fail the same way again: bad credentials, a refused request, a gone resource."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


# The libraries' own names for "the other side is away or busy".
LIBRARY_TRANSIENT: tuple[type[Exception], ...] = (
    redis.ConnectionError,  # BusyLoadingError (a restarting Redis) included
    redis.TimeoutError,
    redis.exceptions.OutOfMemoryError,  # at maxmemory, noeviction refuses writes for now
    # A failover: the primary this connection knew was demoted (Sentinel's own connections turn
    # this into ConnectionError and ask again; a plain URL's see it until the operator moves).
    # MasterNotFoundError (no sentinel knows a primary yet) is a ConnectionError.
    redis.exceptions.ReadOnlyError,
    OperationalError,  # SQL: connection lost, database locked
    httpx.TransportError,  # connect, read or write failed or timed out
)
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (TransientError, *LIBRARY_TRANSIENT)
RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


def is_transient(error: BaseException) -> bool:
    return isinstance(error, TRANSIENT_ERRORS)


def check_response(response: httpx.Response, now: float | None = None) -> None:
    """Raise RateLimited, TransientError or PermanentError for an answer that is not 2xx/3xx."""
    status = response.status_code
    if status < 400:
        return
    what = f"{response.request.method} {response.request.url.copy_with(query=None)}: {status}"
    when = retry_at(response.headers, time.time() if now is None else now)
    if status == 429:
        raise RateLimited(f"{what}, rate limited", when)
    if status in RETRYABLE_STATUS:
        raise TransientError(f"{what}, try again later", when)
    raise PermanentError(f"{what} {response.reason_phrase}".rstrip(), status)


def retry_at(headers: Mapping[str, str], now: float) -> float | None:
    """When the other side said to come back: Retry-After (seconds or an HTTP date, RFC 9110),
    X's x-rate-limit-reset (Unix time) or Mastodon's X-RateLimit-Reset (ISO 8601)."""
    lowered = {name.lower(): value.strip() for name, value in headers.items()}
    after = lowered.get("retry-after", "")
    if after.isdigit():
        return now + int(after)
    if after:
        try:
            return parsedate_to_datetime(after).timestamp()
        except (TypeError, ValueError):
            pass
    reset = lowered.get("x-rate-limit-reset") or lowered.get("x-ratelimit-reset") or ""
    if reset.isdigit():
        return float(reset)
    try:
        return datetime.fromisoformat(reset).timestamp() if reset else None
    except ValueError:
        return None


def why_invalid(error: ValidationError) -> str:
    """A pydantic error's reasons in one line, without pydantic's "Value error, " prefixes."""
    return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
