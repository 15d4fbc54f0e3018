"""Scheduled pollers: one task run per beat slot per poller."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from config.settings import get_settings
from escucha.channels.polling.runner import XAccess, fetcher, run_poll
from workers.app import app
from workers.resources import channel_health, context, http_client, tenant


@app.task(name="escucha.poll.run")
def poll(name: str) -> dict[str, Any]:
    settings = get_settings()
    poller = tenant().poller(name)
    fetch = fetcher(poller, http_client(), XAccess(settings.x_api_url, settings.x_bearer_token))
    return asdict(run_poll(context(), channel_health(), poller, tenant().id, fetch))
