"""Polling X API v2 recent search: since_id, next_token pages, and the rate-limit headers."""

from __future__ import annotations

import time
from typing import Any

import httpx

from escucha.channels.polling.fetch import Fetched
from escucha.channels.sources.x import parse_v2
from escucha.core import errors
from escucha.core.errors import RateLimited, check_response
from escucha.core.poller_config import XSearchPoll
from escucha.pipeline.ingest import Row

DEFAULT_WAIT_S = 900  # X's rate-limit window, when a 429 does not say when it resets
FIELDS = {
    "max_results": 100,
    "tweet.fields": "created_at,author_id,conversation_id,public_metrics,referenced_tweets",
    "expansions": "author_id",
    "user.fields": "username,public_metrics",
}


def fetch_search(
    client: httpx.Client, poll: XSearchPoll, cursor: dict[str, str], api_url: str, token: str
) -> Fetched:
    """Up to `max_pages` pages; an unfinished pagination resumes from its next_token next time.

    since_id moves to the newest id only once every page of a round is in, so a rate limit
    mid-round never skips tweets.
    """
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{api_url.rstrip('/')}/2/tweets/search/recent"
    params: dict[str, Any] = {"query": poll.query, **FIELDS}
    if since := cursor.get("since_id"):
        params["since_id"] = since
    next_token, newest = cursor.get("next_token"), cursor.get("round_newest_id")
    rows: list[Row] = []
    retry_at = None
    for _ in range(poll.max_pages):
        response = client.get(url, params=params | _token(next_token), headers=headers)
        try:
            check_response(response)
        except RateLimited as limited:  # keep the pages already read; go on from here later
            retry_at = limited.retry_at or time.time() + DEFAULT_WAIT_S
            break
        body = response.json()
        meta = body.get("meta") or {}
        newest = newest or meta.get("newest_id")
        rows.extend(parse_v2(body, "default").upserts)
        next_token = meta.get("next_token")
        if response.headers.get("x-rate-limit-remaining") == "0":
            # The next call would be refused; wait for the reset.
            retry_at = (
                errors.retry_at(response.headers, time.time()) or time.time() + DEFAULT_WAIT_S
            )
        if not next_token or retry_at:
            break
    finished = next_token is None
    return Fetched(
        rows=rows,
        cursor={
            "since_id": newest if finished and newest else cursor.get("since_id"),
            "next_token": None if finished else next_token,
            "round_newest_id": None if finished else newest,
        },
        retry_at=retry_at,
    )


def _token(next_token: str | None) -> dict[str, str]:
    return {"next_token": next_token} if next_token else {}
