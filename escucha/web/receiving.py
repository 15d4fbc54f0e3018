"""Taking one upstream delivery in: once per body, ingest upserts, propagate deletes.

Platforms deliver at least once and retry when an answer is lost, so a body seen before (by
its bytes, whichever signature header verified it) is answered 200 and not processed again.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import redis
from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from escucha.channels.sources.changes import Changes
from escucha.channels.sources.envelope import EnvelopeError
from escucha.core import keys
from escucha.core.models import tenant_of
from escucha.pipeline.backpressure import PLATFORM_HEADROOM, refuse_when_full
from escucha.pipeline.deletion import request_deletes
from escucha.pipeline.ingest import IngestReport, ingest
from escucha.web.state import ApiState

MAX_JSON_DEPTH = 64  # no platform nests deeper than a handful of levels


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body (signatures cover its exact bytes), refused past `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body of {declared} bytes is over the {limit}-byte limit")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"body is over the {limit}-byte limit")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes) -> Any:
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HTTPException(400, f"body is not valid JSON: {error}") from error
    except RecursionError as error:
        raise HTTPException(400, "body is JSON nested too deeply to read") from error
    if _depth(value) > MAX_JSON_DEPTH:
        raise HTTPException(400, f"body is JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest, without recursing (a hostile body may be deep)."""
    if not isinstance(value, dict | list):
        return 0
    deepest, stack = 0, [(value, 1)]
    while stack:  # holds arrays and objects only
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            return depth
        children = current.values() if isinstance(current, dict) else current
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def check_rate(state: ApiState, source: str, limit: int | None = None) -> None:
    wait = await run_in_threadpool(state.limiter.retry_after, source, 1, limit)
    if wait:
        raise HTTPException(
            429, f"rate limit for {source!r} reached", headers={"Retry-After": str(wait)}
        )


async def count_unverified(state: ApiState, request: Request) -> None:
    """Count a request that proved nothing, per client address; too many get 429. Kept apart
    from every channel's and tenant's budget, so junk never blocks a platform."""
    await check_rate(
        state,
        f"unverified:{client_address(request)}",
        state.settings.api.unverified_rate_limit_per_minute,
    )


def take(
    state: ApiState,
    channel: str,
    digest: str | None,
    parse: Callable[[], Changes],
    shared_endpoint: bool = True,
) -> dict[str, Any]:
    """Ingest a delivery once; one that fails half-way can be sent again and is taken then."""
    if digest and not state.seen.first_time(channel, digest):
        return _answer(Changes(), IngestReport()) | {"duplicate": True}
    try:
        try:
            changes = parse()
        except EnvelopeError as error:
            raise HTTPException(400, f"not a {channel} delivery: {error}") from error
        incoming = Counter(str(row.value("tenant")) for row in changes.upserts if not row.problem)
        headroom = PLATFORM_HEADROOM if shared_endpoint else 1.0
        room = refuse_when_full(
            state.ctx,
            state.settings.pipeline.ingest_high_water,
            incoming,
            headroom,
            state.in_flight_limit,
        )
        room(len(changes.upserts))
        report = ingest(state.ctx, changes.upserts)
        request_deletes(state.ctx, changes.deletes)
    except BaseException:
        if digest:
            with suppress(redis.RedisError):
                state.seen.forget(channel, digest)
        raise
    _record_health(state, channel, changes, report, shared_endpoint)
    return _answer(changes, report)


def _answer(changes: Changes, report: IngestReport) -> dict[str, Any]:
    return {
        "accepted": len(report.accepted),
        "ids": report.accepted,
        "deleted": len(changes.deletes),
        "ignored": changes.ignored,
        "superseded": report.superseded,  # older than a version already taken
        "repeated": report.duplicates,  # items that repeat an earlier item's id: the later wins
        "rejected": [
            {"location": letter.location, "reason": letter.reason} for letter in report.rejected
        ],
    }


def _record_health(
    state: ApiState, channel: str, changes: Changes, report: IngestReport, shared: bool
) -> None:
    """Each tenant's channel spoke, or failed; a delivery of which nothing could be taken is a
    failure, never activity."""
    taken = Counter(tenant_of(i) for i in [*report.accepted, *changes.deletes])
    for tenant, count in taken.items():
        state.health.event(tenant, channel, count)
    named = {row.value("tenant") for row in changes.upserts} - {None, *taken}
    reason = report.rejected[0].reason if report.rejected else "nothing could be taken"
    for tenant in named:
        state.health.error(str(tenant), channel, f"every item was refused: {reason}")
    if not shared:
        return
    state.health.unmapped(channel, changes.unmapped)
    if taken or not changes.items:
        state.health.event(keys.ENDPOINT, channel, sum(taken.values()))
    else:
        state.health.error(keys.ENDPOINT, channel, f"none of {changes.items} items taken: {reason}")
