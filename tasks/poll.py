"""Scheduled pollers: beat ticks `due`, which hands each due poller of each tenant to `run`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from config.settings import get_settings
from escucha.channels.polling.runner import XAccess, fetcher, run_poll
from escucha.channels.polling.schedule import claim_due
from workers.app import app
from workers.resources import channel_health, context, http_client, tenants


@app.task(name="escucha.poll.due")
def due() -> list[str]:
    """Send one run per poller whose interval has come round; an unrun one expires with it."""
    claimed = claim_due(context().redis, tenants().all())
    for poll in claimed:
        options = {"expires": poll.interval_s}
        app.send_task("escucha.poll.run", args=[poll.tenant, poll.poller], **options)
    return [f"{poll.tenant}:{poll.poller}" for poll in claimed]


@app.task(name="escucha.poll.run")
def run(tenant_id: str, name: str) -> dict[str, Any]:
    settings = get_settings()
    poller = tenants().get(tenant_id).poller(name)
    fetch = fetcher(
        poller,
        http_client(),
        XAccess(settings.channels.x_api_url, settings.channels.x_bearer_token),
    )
    return asdict(run_poll(context(), channel_health(), poller, tenant_id, fetch))
