"""Server-sent events for the inbox: what happens to a tenant's cases, as it happens.

One tenant's Redis stream only (`keys.events(tenant)`), read with a blocking XREAD on a
connection of its own, so a page never hears another tenant. Whatever came in one read is
one `cases` event (the page refreshes its rows once), under the stream id of the last entry,
so a browser that reconnects with Last-Event-ID resumes after it. A comment every few
seconds keeps proxies from closing a quiet stream and notices a browser that has gone; each
stream lasts half a minute, then the browser reconnects where it left off.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis

from escucha.core import keys
from escucha.core.redis_connect import DEFAULT_MASTER, connect_async
from escucha.pipeline.events import EVENT_ID

BLOCK_MS = 5_000  # how long one XREAD waits: also how soon a gone browser is noticed
RETRY_MS = 3_000  # what the browser waits before reconnecting
# A stream ends after this long and the browser reconnects (with Last-Event-ID, so nothing is
# lost): a server shutting down waits for open responses, and must not wait for an open tab.
LIFETIME_S = 30.0
EVENT = "cases"
Gone = Callable[[], Awaitable[bool]]


async def stream(redis_url: str, tenant: str, last_id: str | None, gone: Gone,
                 master: str = DEFAULT_MASTER) -> AsyncIterator[str]:  # fmt: skip
    """The tenant's events as SSE text, from after `last_id` (or from now), until `gone()`;
    `master` names the Sentinel service when `redis_url` is a Sentinel one."""
    block_ms = BLOCK_MS  # read when the stream starts, so a test can shorten it
    ends = time.monotonic() + LIFETIME_S
    client = connect_async(redis_url, master, socket_timeout_s=block_ms / 1000 + 10)
    key = keys.events(tenant)
    try:
        after = last_id if last_id and EVENT_ID.match(last_id) else await _newest(client, key)
        # Sent once the starting point is fixed: whatever is published from here on is heard,
        # and a browser reconnecting before any event came resumes from here (its id).
        yield f"retry: {RETRY_MS}\nid: {after}\n: listening\n\n"
        while time.monotonic() < ends and not await gone():
            read = await client.xread({key: after}, count=100, block=block_ms)
            entries = read[0][1] if read else []
            if not entries:
                yield ": keep-alive\n\n"
                continue
            after = keys.as_text(entries[-1][0])
            yield message(after, [_fields(f) for _, f in entries])
    finally:
        await client.aclose()


def message(event_id: str, entries: list[dict[str, str]]) -> str:
    """One SSE `cases` event for a batch of stream entries: their types and cases, no more."""
    data = {"types": sorted({e.get("type", "") for e in entries}),
            "cases": sorted({e["case_id"] for e in entries if "case_id" in e})}  # fmt: skip
    return f"id: {event_id}\nevent: {EVENT}\ndata: {json.dumps(data)}\n\n"


async def _newest(client: aioredis.Redis, key: str) -> str:
    """The id of the stream's newest entry ("0-0" when empty): reading after it is "from now"
    without the gap `$` leaves between two reads."""
    newest: list[Any] = await client.xrevrange(key, count=1)
    return keys.as_text(newest[0][0]) if newest else "0-0"


def _fields(fields: dict[bytes, bytes]) -> dict[str, str]:
    return {keys.as_text(k): keys.as_text(v) for k, v in fields.items()}
