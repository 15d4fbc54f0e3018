"""Replies out of the outbox: beat ticks `due`, which hands each due reply to `send`."""

from __future__ import annotations

from datetime import UTC, datetime

from config.settings import get_settings
from escucha.care.replies import PlatformUrls, send_through_channel
from workers.app import app
from workers.resources import channel_credentials, http_client, outbox


@app.task(name="escucha.reply.due")
def due() -> int:
    """Send one task per reply whose time has come (or whose sender was cut off)."""
    keys = outbox().due(datetime.now(UTC))
    for key in keys:
        app.send_task("escucha.reply.send", args=[key])
    return len(keys)


@app.task(name="escucha.reply.send", acks_late=True, reject_on_worker_lost=True)
def send(key: str) -> str | None:
    channels = get_settings().channels
    urls = PlatformUrls(graph=channels.meta_graph_url, x=channels.x_api_url)
    outcome = send_through_channel(outbox(), key, datetime.now(UTC), http_client(),
                                   channel_credentials().opened, urls)  # fmt: skip
    row = outbox().get(key)
    if outcome is not None and row is not None and row.case_id:
        app.send_task("escucha.care.check", args=[[row.case_id]])  # its clocks moved
    return type(outcome).__name__ if outcome else None
