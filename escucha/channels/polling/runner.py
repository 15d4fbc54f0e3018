"""One scheduled poll: skip while backing off, fetch, ingest what is new, move the cursor."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import httpx

from escucha.channels.health import ChannelHealth
from escucha.channels.polling.cursors import Cursors
from escucha.channels.polling.feeds import fetch_feed
from escucha.channels.polling.fetch import Fetched
from escucha.channels.polling.mastodon_timelines import fetch_timeline
from escucha.channels.polling.x_search import fetch_search
from escucha.core.errors import EscuchaError
from escucha.core.poller_config import FeedPoll, MastodonPoll, Poll, channel_name
from escucha.pipeline.context import PipelineContext
from escucha.pipeline.ingest import ingest

Fetch = Callable[[dict[str, str]], Fetched]
SILENCE_FACTOR = 3  # a poller that has not succeeded for 3 intervals is reported silent


@dataclass(frozen=True)
class PollOutcome:
    poller: str
    accepted: int = 0
    skipped: bool = False
    error: str | None = None
    next_attempt_at: float | None = None


@dataclass(frozen=True)
class XAccess:
    api_url: str
    bearer_token: str | None


def fetcher(poll: Poll, client: httpx.Client, x: XAccess) -> Fetch:
    if isinstance(poll, FeedPoll):
        return partial(fetch_feed, client, poll)
    if isinstance(poll, MastodonPoll):
        return partial(fetch_timeline, client, poll)
    if not x.bearer_token:
        raise ValueError("X search needs ESCUCHA_X_BEARER_TOKEN")
    return lambda cursor: fetch_search(client, poll, cursor, x.api_url, x.bearer_token or "")


def run_poll(
    ctx: PipelineContext, health: ChannelHealth, poll: Poll, tenant: str, fetch: Fetch
) -> PollOutcome:
    name = channel_name(poll)
    cursors = Cursors(ctx.redis, tenant)
    if not cursors.due(name):
        return PollOutcome(name, skipped=True)
    expected = poll.interval_s * SILENCE_FACTOR
    try:
        fetched = fetch(cursors.read(name))
    except (EscuchaError, httpx.HTTPError, ValueError) as error:
        reason = f"{type(error).__name__}: {error}"
        failures = health.error(tenant, name, reason, expected)
        return PollOutcome(
            name, error=reason, next_attempt_at=cursors.back_off(name, failures, poll.interval_s)
        )
    rows = [row.with_fields(tenant=tenant) for row in fetched.rows]
    if fetched.item_ids:
        fresh = set(cursors.unseen(name, fetched.item_ids))
        rows = [row for row in rows if str(row.value("id")) in fresh]
    report = ingest(ctx, rows)
    # Only now, with the rows safely in Redis, does the cursor move past them.
    cursors.remember(name, fetched.item_ids)
    cursors.write(name, fetched.cursor)
    if fetched.retry_at:
        cursors.defer(name, fetched.retry_at)
    health.event(tenant, name, len(report.accepted), expected)
    return PollOutcome(name, accepted=len(report.accepted), next_attempt_at=fetched.retry_at)
