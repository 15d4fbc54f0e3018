"""The outbox's send step: claim a due reply, deliver it once, write down what happened.

The Celery task around it is a few lines (load the row's channel, call `send_one`); here it is
plain code, tested with real databases and local servers playing the platforms.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime

from escucha.care.delivery import Dead, Outcome, Retry, Sent, deliver
from escucha.channels.senders import Outgoing
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
    )


def send_one(
    outbox: Outbox,
    key: str,
    now: datetime,
    send: Callable[[Outgoing], str],
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
        outbox.sent(key, outcome.platform_id, now)
    elif isinstance(outcome, Retry):
        outbox.retry(key, outcome.at, outcome.reason)
    elif isinstance(outcome, Dead):
        outbox.dead(key, outcome.reason)
    return outcome
