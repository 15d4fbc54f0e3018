"""Polling Mastodon hashtag, account and search timelines with since_id."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from escucha.channels.polling.fetch import Fetched
from escucha.channels.sources.mastodon import status_row
from escucha.core.errors import RateLimited, check_response
from escucha.core.poller_config import MastodonPoll
from escucha.pipeline.ingest import Row

PAGE = 40


def _request(poll: MastodonPoll, since_id: str | None) -> tuple[str, dict[str, Any]]:
    base = poll.instance.rstrip("/")
    params: dict[str, Any] = {"limit": PAGE}
    if poll.timeline == "search":
        params |= {"q": poll.value, "type": "statuses"}
        if since_id:
            params["min_id"] = since_id  # search takes min_id rather than since_id
        return f"{base}/api/v2/search", params
    if since_id:
        params["since_id"] = since_id
    if poll.timeline == "account":
        return f"{base}/api/v1/accounts/{quote(poll.value, safe='')}/statuses", params
    return f"{base}/api/v1/timelines/tag/{quote(poll.value.lstrip('#'), safe='')}", params


def fetch_timeline(client: httpx.Client, poll: MastodonPoll, cursor: dict[str, str]) -> Fetched:
    url, params = _request(poll, cursor.get("since_id"))
    headers = {"Authorization": f"Bearer {poll.access_token}"} if poll.access_token else {}
    response = client.get(url, params=params, headers=headers)
    try:
        check_response(response)
    except RateLimited as limited:
        return Fetched(rows=[], cursor={}, retry_at=limited.retry_at or time.time() + 300)
    body = response.json()
    statuses = body.get("statuses", []) if isinstance(body, dict) else body
    instance = urlsplit(poll.instance).netloc or poll.instance
    rows = [
        Row(status_row(status, "default", instance), f"{url} status {status.get('id')}")
        for status in statuses
    ]
    newest = max((int(s["id"]) for s in statuses if str(s.get("id", "")).isdigit()), default=None)
    return Fetched(rows=rows, cursor={"since_id": str(newest)} if newest else {})
