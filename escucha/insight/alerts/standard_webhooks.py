"""Standard Webhooks signatures (standardwebhooks.com, v1): signing what we send, and
verifying what a receiver got, HMAC-SHA256 over "{id}.{timestamp}.{body}"."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

from escucha.insight.alerts.destination import secret_key

TOLERANCE_S = 300  # the spec's five minutes either side: older or newer is a replay or a lie
VERSION = "v1"


class WebhookVerificationError(ValueError):
    """A received webhook is not signed by the secret, or not now.

    A ValueError and not an escucha PermanentError: it is bad input on the receiving side,
    not an outbound call failing, and code that dead-letters on PermanentError must not
    mistake one for the other."""


def webhook_id(alert_id: str) -> str:
    """The `webhook-id` for an alert: stable across retries, so receivers can dedupe.

    A digest and not the alert id itself: alert ids hold full stops, and the spec forbids them
    in the id, which is joined to the timestamp and body with full stops before signing."""
    return "msg_" + hashlib.sha256(alert_id.encode()).hexdigest()[:32]


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 signature>` of one message; `secret` is `whsec_<base64>` (or bare base64)."""
    signed = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return f"{VERSION},{base64.b64encode(digest).decode()}"


def headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers that go with `body`."""
    if "." in msg_id:
        raise ValueError("a webhook id must not contain a full stop")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],  # shadows headers(): not called in here
    body: bytes,
    now: float,
    tolerance: int = TOLERANCE_S,
) -> None:
    """Raise WebhookVerificationError unless `body` came signed by `secret`, within
    `tolerance` seconds of `now`. Any one of several signatures may match (key rotation)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "").strip()
    signatures = lowered.get("webhook-signature", "")
    if not (msg_id and stamp and signatures):
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or signature")
    if not stamp.isdigit():
        raise WebhookVerificationError("webhook-timestamp is not a Unix time in seconds")
    timestamp = int(stamp)
    if timestamp < now - tolerance:
        raise WebhookVerificationError("webhook-timestamp is too old")
    if timestamp > now + tolerance:
        raise WebhookVerificationError("webhook-timestamp is too new")
    expected = base64.b64decode(sign(secret, msg_id, timestamp, body).split(",", 1)[1])
    for candidate in signatures.split():
        version, _, encoded = candidate.partition(",")
        if version != VERSION:
            continue  # v1a (asymmetric) and future versions are not ours to check
        try:
            given = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(expected, given):
            return
    raise WebhookVerificationError("no matching signature")
