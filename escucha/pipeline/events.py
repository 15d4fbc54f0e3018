"""The event streams downstream consumers read (CRM sync, dashboards): one per tenant.

A tenant's stream holds only what happened to that tenant's mentions and channels.
"""

from __future__ import annotations

import re
import time
from typing import Any

import redis

from escucha.core import keys
from escucha.pipeline import lua_scripts

MAX_EVENTS = 100_000
EVENT_ID = re.compile(r"^(\d{1,20})(?:-(\d{1,20}))?$")  # a Redis stream id, as `event_id` gives it
LAST = 2**64 - 1  # each part of a stream id is a 64-bit number


class BadEventId(ValueError):
    pass


def publish(
    target: redis.Redis | redis.client.Pipeline, tenant: str, kind: str, **fields: str
) -> None:
    """Append one event to the tenant's stream; the stream is capped, oldest events go first."""
    target.xadd(keys.events(tenant), _entry(kind, fields), maxlen=MAX_EVENTS, approximate=True)


ONCE_TTL_S = 90 * 24 * 3600  # longer than any case stays open


def publish_once(client: redis.Redis, tenant: str, key: str, kind: str, **fields: str) -> bool:
    """Append the event unless one under `key` was appended before; True when appended now.

    The check and the append are one Lua call, so a retry after a crash can neither lose the
    event nor repeat it."""
    entry = _entry(kind, {"key": key, **fields})
    args: list[str | int] = [ONCE_TTL_S, MAX_EVENTS, *(p for pair in entry.items() for p in pair)]
    once = lua_scripts.script(client, "publish_once")
    return bool(once(keys=[keys.event_once(tenant, key), keys.events(tenant)], args=args))


def _entry(kind: str, fields: dict[str, str]) -> dict[str, str]:
    return {"type": kind, "at": f"{time.time():.3f}", **fields}


def read(
    client: redis.Redis, tenant: str, after: str = "0", count: int = 100
) -> list[dict[str, Any]]:
    """The tenant's events after stream id `after`, each with its `event_id` to resume from."""
    match = EVENT_ID.match(after)
    parts = [int(p) for p in match.groups() if p is not None] if match else []
    if not parts or any(p > LAST for p in parts):
        raise BadEventId(f"after={after!r} is not an event_id (digits, or digits-digits)")
    if parts == [LAST, LAST] or (len(parts) == 1 and parts[0] == LAST):
        return []  # nothing can come after the last possible id
    start = f"({after}" if after != "0" else "-"
    entries: list[tuple[bytes, dict[bytes, bytes]]] = client.xrange(
        keys.events(tenant), min=start, count=count
    )
    return [
        {"event_id": keys.as_text(event_id)}
        | {keys.as_text(k): keys.as_text(v) for k, v in fields.items()}
        for event_id, fields in entries
    ]
