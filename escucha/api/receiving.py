"""Taking one upstream delivery in: refuse replays, ingest upserts, propagate deletes."""

from __future__ import annotations

import json
from contextlib import suppress
from typing import Any

import redis
from fastapi import HTTPException, Request
from starlette.concurrency import run_in_threadpool

from escucha.api.state import ApiState
from escucha.backpressure import refuse_when_full
from escucha.deletion import request_deletes
from escucha.ingest import ingest
from escucha.sources.changes import Changes


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
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HTTPException(400, f"body is not valid JSON: {error}") from error


async def check_rate(state: ApiState, source: str) -> None:
    wait = await run_in_threadpool(state.limiter.retry_after, source)
    if wait:
        raise HTTPException(
            429, f"rate limit for {source!r} reached", headers={"Retry-After": str(wait)}
        )


def take(state: ApiState, channel: str, digest: str | None, changes: Changes) -> dict[str, Any]:
    """Ingest a verified delivery once; a delivery that fails half-way can be sent again."""
    refuse_when_full(state.ctx, state.settings.ingest_high_water)(len(changes.upserts))
    if digest and not state.seen.first_time(channel, digest):
        state.health.signature_failure(channel, "replayed delivery")
        raise HTTPException(403, "replayed delivery: this signed body was already accepted")
    try:
        report = ingest(state.ctx, changes.upserts)
        request_deletes(state.ctx, changes.deletes)
    except BaseException:
        if digest:
            with suppress(redis.RedisError):
                state.seen.forget(channel, digest)
        raise
    state.health.event(channel, len(report.accepted) + len(changes.deletes))
    return {
        "accepted": len(report.accepted),
        "ids": report.accepted,
        "deleted": len(changes.deletes),
        "ignored": changes.ignored,
        "rejected": [
            {"location": letter.location, "reason": letter.reason} for letter in report.rejected
        ],
    }
