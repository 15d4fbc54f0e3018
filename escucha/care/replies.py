"""The outbox's send step: claim a due reply, deliver it once, write down what happened.

The Celery task around it is a few lines (load the row's channel, call `send_one`); here it is
plain code, tested with real databases and local servers playing the platforms.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from escucha.care.delivery import Dead, Outcome, Retry, Sent, deliver
from escucha.channels.senders import Credentials, Outgoing, Receipt, find_sent, send
from escucha.core.errors import PermanentError
from escucha.store.outbox import Outbox
from escucha.store.schema import OutboxRow


def outgoing_of(row: OutboxRow) -> Outgoing:
    return Outgoing(
        platform=row.platform,  # type: ignore[arg-type]  # checked when the reply was added
        in_reply_to=row.in_reply_to,
        text=row.text,
        idempotency_key=row.key,
        private=row.private,
        author_handle=row.author_handle,
        direct=row.direct,
        recipient=row.recipient_id if row.direct else None,
    )


def send_one(
    outbox: Outbox,
    key: str,
    now: datetime,
    send: Callable[[Outgoing], Receipt],
    find_sent: Callable[[Outgoing], str | None],
    jitter: Callable[[], float] = random.random,
) -> Outcome | None:
    """One attempt at one reply; None when it is not due or another sender holds it."""
    claimed = outbox.claim(key, now)
    if claimed is None:
        return None
    reply, row = outgoing_of(claimed.row), claimed.row
    outcome = deliver(
        lambda: send(reply),
        lambda: find_sent(reply),
        interrupted=claimed.interrupted,
        attempts=row.attempts,
        now=now,
        jitter=jitter,
    )
    if isinstance(outcome, Sent):
        outbox.sent(claimed, outcome.platform_id, now, outcome.recipient)
    elif isinstance(outcome, Retry):
        outbox.retry(claimed, outcome.at, outcome.reason, now)
    elif isinstance(outcome, Dead):
        outbox.dead(claimed, outcome.reason, now)
    return outcome


@dataclass(frozen=True)
class PlatformUrls:
    graph: str  # ESCUCHA_META_GRAPH_URL
    x: str  # ESCUCHA_X_API_URL


Opened = tuple[str, dict[str, Any]] | None  # a channel's token and details, if connected


def credentials_for(row: OutboxRow, token: str, details: dict[str, Any], urls: PlatformUrls
                    ) -> tuple[Credentials, str]:  # fmt: skip
    """What the sender needs for the row's channel, and the channel's own id on the platform."""
    own = row.account.partition(":")[2]
    if row.platform in ("facebook", "instagram"):
        return Credentials(token, urls.graph, page_id=own), own
    if row.platform == "x":
        return Credentials(token, urls.x), own
    return Credentials(token, str(details.get("instance") or "")), own


def send_through_channel(
    outbox: Outbox,
    key: str,
    now: datetime,
    client: httpx.Client,
    opened: Callable[[str, str], Opened],
    urls: PlatformUrls,
) -> Outcome | None:
    """`send_one` with the row's connected channel; a channel not connected is a dead letter."""
    row = outbox.get(key)
    if row is None:
        return None
    channel = opened(row.tenant, row.account)
    if channel is None:
        reason = f"channel {row.account} is not connected: `escucha channel connect`"

        def refuse(_: Outgoing) -> Receipt:
            raise PermanentError(reason)

        return send_one(outbox, key, now, refuse, lambda _: None)
    creds, own = credentials_for(row, *channel, urls)
    return send_one(outbox, key, now, lambda r: send(client, r, creds),
                    lambda r: find_sent(client, r, creds, own))  # fmt: skip
