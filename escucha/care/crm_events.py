"""Any other CRM: escucha's events sent as signed webhooks (Standard Webhooks, v1).

One event a call, so a receiver's answer is about that event alone: 2xx took it, 429 and 5xx
come again later (Retry-After honoured), any other 4xx is a dead letter with the receiver's
words. The `webhook-id` is a digest of the outbox row's key and stays the same on every retry,
so a receiver that keeps the ids it saw takes each event once even when escucha, cut off
mid-call, cannot tell whether it arrived and sends it again.

Events: `contact.upserted` (the contact's fields), `case.resolved` (the case, its cycle and
contact) and `lead.created` (a purchase-intent post and its author), each only for people who
agreed to be in the CRM.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

from escucha.channels.crm.writes import BatchOutcome, Upsert
from escucha.core.errors import (
    RETRYABLE_STATUS,
    PermanentError,
    RateLimited,
    TransientError,
    retry_at,
)
from escucha.insight.alerts.standard_webhooks import headers, webhook_id
from escucha.store.crm_outbox import CONTACT_WRITE

CONTACT, CASE, LEAD = "contact.upserted", "case.resolved", "lead.created"
SNIPPET = 300


@dataclass(frozen=True)
class Endpoint:
    """A tenant's receiver: where to post and the `whsec_` secret its signatures use."""

    url: str
    secret: str = field(repr=False)
    batch: int = 1
    clock: Callable[[], float] = time.time

    def upsert(self, client: httpx.Client, upserts: Sequence[Upsert]) -> BatchOutcome:
        written = {}
        for upsert in upserts:
            msg_id = webhook_id(upsert.trace)
            body = json.dumps(event_body(upsert), ensure_ascii=False).encode()
            stamp = int(self.clock())
            sent = {"Content-Type": "application/json", **headers(self.secret, msg_id, stamp, body)}
            _check(client.post(self.url, content=body, headers=sent))
            written[upsert.trace] = msg_id
        return BatchOutcome(written, {}, ())

    def read_back(self, client: httpx.Client, contact_ids: Sequence[str]
                  ) -> dict[str, tuple[str, str]]:  # fmt: skip
        return {}  # a receiver cannot be asked: the same webhook-id goes again


def event_body(upsert: Upsert) -> dict[str, object]:
    """The event as the receiver reads it: its type, when escucha wrote it, and its data."""
    kind = CONTACT if upsert.kind == CONTACT_WRITE else upsert.kind
    at = upsert.at.isoformat() if upsert.at else None
    return {"type": kind, "timestamp": at,
            "data": {"contact_id": upsert.contact_id, **upsert.properties}}  # fmt: skip


def _check(response: httpx.Response) -> None:
    """Raise for an answer that is not 2xx, naming the receiver by its host only: a webhook's
    path is often its secret (a capability URL), and errors end up in rows and logs."""
    status = response.status_code
    if status < 300:
        return
    where = f"the CRM's webhook at {response.request.url.host}: {status}"
    when = retry_at(response.headers, time.time())
    if status == 429:
        raise RateLimited(f"{where}, rate limited", when)
    if status in RETRYABLE_STATUS or status >= 500:
        raise TransientError(f"{where}, try again later", when)
    said = " ".join(response.text.split())[:SNIPPET]  # the receiver's words say what to fix
    raise PermanentError(f"{where}: {said}".rstrip(": "), status)
