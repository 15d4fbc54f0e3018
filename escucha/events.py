"""The event stream downstream consumers read (CRM sync, dashboards): deletes, health alerts."""

from __future__ import annotations

import time
from typing import Any

import redis

from escucha import keys

MAX_EVENTS = 100_000


def publish(target: redis.Redis | redis.client.Pipeline, kind: str, **fields: str) -> None:
    """Append one event; the stream is capped, oldest events go first."""
    entry = {"type": kind, "at": f"{time.time():.3f}", **fields}
    target.xadd(keys.EVENTS, entry, maxlen=MAX_EVENTS, approximate=True)  # type: ignore[arg-type]


def read(client: redis.Redis, after: str = "0", count: int = 100) -> list[dict[str, Any]]:
    """Events after stream id `after`, each with its own `event_id` to resume from."""
    start = f"({after}" if after != "0" else "-"
    entries: list[tuple[bytes, dict[bytes, bytes]]] = client.xrange(  # type: ignore[assignment]
        keys.EVENTS, min=start, count=count
    )
    return [
        {"event_id": keys.as_text(event_id)}
        | {keys.as_text(k): keys.as_text(v) for k, v in fields.items()}
        for event_id, fields in entries
    ]
