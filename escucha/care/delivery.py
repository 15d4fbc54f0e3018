"""Delivering one reply from the outbox: send it, or find it already sent, or say when to retry.

Never double-post. A reply whose last attempt was cut off after the platform may have taken it
(status `sending`) is looked up on the platform before it is sent again; Mastodon's
Idempotency-Key makes its resend safe by itself. Transient failures retry with exponential
backoff and full jitter, never earlier than the platform's Retry-After; permanent ones, or too
many attempts, end in a dead letter with the platform's words.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from escucha.channels.senders import Receipt
from escucha.core.attempts import Dead, Retry
from escucha.core.backoff import after_transient
from escucha.core.errors import TRANSIENT_ERRORS, PermanentError

MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Sent:
    platform_id: str
    reconciled: bool = False  # found on the platform, not sent again
    recipient: str | None = None  # whom a private reply reached


Outcome = Sent | Retry | Dead


def deliver(
    send: Callable[[], Receipt],
    find_sent: Callable[[], str | None],
    *,
    interrupted: bool,
    attempts: int,
    now: datetime,
    jitter: Callable[[], float] = random.random,
) -> Outcome:
    """One attempt. `interrupted`: the previous attempt may have reached the platform."""
    try:
        if interrupted and (found := find_sent()) is not None:
            return Sent(found, reconciled=True)
        receipt = send()
        return Sent(receipt.id, recipient=receipt.recipient)
    except PermanentError as error:
        return Dead(str(error))
    except TRANSIENT_ERRORS as error:
        at, reason = after_transient(error, attempts, now, MAX_ATTEMPTS, jitter)
        return Retry(at, reason) if at else Dead(reason)
