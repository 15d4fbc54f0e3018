"""One hierarchy decides transient versus permanent for every outbound call."""

from datetime import UTC, datetime
from email.utils import format_datetime

import httpx
import pytest
import redis
from sqlalchemy.exc import OperationalError

from escucha.core.errors import (
    PermanentError,
    RateLimited,
    TransientError,
    check_response,
    is_transient,
    retry_at,
)
from escucha.pipeline.backpressure import Backpressure
from escucha.pipeline.context import DispatchError

NOW = 1_800_000_000.0


def answer(status: int, **headers: str) -> httpx.Response:
    request = httpx.Request("POST", "https://graph.example/v1/me/messages?access_token=secret")
    return httpx.Response(status, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "kind"),
    [(429, RateLimited), (503, TransientError), (500, TransientError), (408, TransientError),
     (400, PermanentError), (401, PermanentError), (404, PermanentError)],
)  # fmt: skip
def test_statuses_are_transient_or_permanent(status, kind):
    with pytest.raises(kind) as raised:
        check_response(answer(status), NOW)
    assert isinstance(raised.value, TransientError) == (kind is not PermanentError)
    assert "access_token" not in str(raised.value)  # a token in the query is never repeated
    assert str(status) in str(raised.value)


def test_success_and_redirects_pass():
    for status in (200, 202, 204, 304):
        check_response(answer(status), NOW)


def test_retry_after_in_every_form_a_platform_sends():
    date = format_datetime(datetime.fromtimestamp(NOW + 90, UTC), usegmt=True)
    assert retry_at({"Retry-After": "30"}, NOW) == NOW + 30
    assert retry_at({"retry-after": date}, NOW) == NOW + 90
    assert retry_at({"x-rate-limit-reset": str(int(NOW) + 900)}, NOW) == NOW + 900  # X
    iso = datetime.fromtimestamp(NOW + 300, UTC).isoformat()
    assert retry_at({"X-RateLimit-Reset": iso}, NOW) == NOW + 300  # Mastodon
    assert retry_at({"Retry-After": "soon"}, NOW) is None and retry_at({}, NOW) is None
    with pytest.raises(RateLimited) as limited:
        check_response(answer(429, **{"Retry-After": "7"}), NOW)
    assert limited.value.retry_at == NOW + 7


def test_the_libraries_failures_and_ours_are_classified_alike():
    transient = [
        redis.ConnectionError(),
        redis.BusyLoadingError(),
        redis.TimeoutError(),
        redis.exceptions.OutOfMemoryError(),
        OperationalError("select", {}, Exception()),
        httpx.ConnectTimeout("slow"),
        DispatchError("broker away"),
        Backpressure("full"),
    ]
    assert all(is_transient(error) for error in transient)
    for permanent in (PermanentError("no", 401), ValueError("bad record"), redis.ResponseError()):
        assert not is_transient(permanent)
