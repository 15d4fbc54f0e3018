"""Checking webhook signatures: HMAC of the raw body, compared in constant time.

Missing, malformed or wrong-algorithm signatures are 401 (the sender did not sign the way the
channel requires); a well-formed signature that does not match is 403.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

HEX_ALGORITHMS: Mapping[str, Any] = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}


class SignatureError(Exception):
    status_code = 401


class MissingSignature(SignatureError):
    pass


class UnsupportedAlgorithm(SignatureError):
    pass


class SignatureMismatch(SignatureError):
    status_code = 403


def _split(header: str | None, allowed: tuple[str, ...]) -> tuple[str, str]:
    if not header:
        raise MissingSignature("no signature header")
    if not header.isascii():
        raise UnsupportedAlgorithm("signature header is not ASCII")
    algorithm, _, value = header.strip().partition("=")
    algorithm = algorithm.lower()
    if not value:
        raise UnsupportedAlgorithm(f"signature {header[:20]!r} is not '<algorithm>=<digest>'")
    if algorithm not in allowed:
        expected = " or ".join(allowed)
        raise UnsupportedAlgorithm(f"algorithm {algorithm!r} is not accepted; expected {expected}")
    return algorithm, value.strip()


def _require(secret: str) -> None:
    if not secret:  # an empty key is one anyone can sign with
        raise MissingSignature("no secret is configured to check this signature against")


def verify_hex(header: str | None, body: bytes, secret: str, allowed: tuple[str, ...]) -> None:
    """Check 'sha256=<hex>' (Meta, Mastodon)."""
    _require(secret)
    algorithm, given = _split(header, allowed)
    expected = hmac.new(secret.encode(), body, HEX_ALGORITHMS[algorithm]).hexdigest()
    if not hmac.compare_digest(expected.encode(), given.lower().encode()):
        raise SignatureMismatch(f"{algorithm} signature does not match the body")


def sign_hex(body: bytes, secret: str, algorithm: str = "sha256") -> str:
    return f"{algorithm}=" + hmac.new(secret.encode(), body, HEX_ALGORITHMS[algorithm]).hexdigest()


def x_digest(secret: str, message: bytes) -> str:
    """X's form: base64 of HMAC-SHA256 with the consumer secret, prefixed 'sha256='."""
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode()


def verify_x(header: str | None, body: bytes, secret: str) -> None:
    _require(secret)
    _split(header, ("sha256",))
    expected = x_digest(secret, body)
    if not hmac.compare_digest(expected.encode(), (header or "").strip().encode()):
        raise SignatureMismatch("sha256 signature does not match the body")


def constant_time_equal(given: str, expected: str) -> bool:
    # Bytes, not str: compare_digest refuses non-ASCII strings with a TypeError.
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


HUBSPOT_MAX_AGE_S = 300  # HubSpot's own advice: refuse a v3 signature older than five minutes


def hubspot_v3(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """HubSpot's v3 form: base64 of HMAC-SHA256 over method, full URI, body and timestamp."""
    message = method.upper().encode() + uri.encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def verify_hubspot(signature: str | None, timestamp: str | None, secret: str, method: str,
                   uri: str, body: bytes, now_ms: int) -> None:  # fmt: skip
    """Check X-HubSpot-Signature-v3 against X-HubSpot-Request-Timestamp (milliseconds)."""
    _require(secret)
    if not signature or not timestamp:
        raise MissingSignature("no X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp")
    readable = timestamp.isascii() and timestamp.isdigit()
    if not readable or abs(now_ms - int(timestamp)) > HUBSPOT_MAX_AGE_S * 1000:
        raise SignatureMismatch("the request's timestamp is missing, malformed or too old")
    if not constant_time_equal(signature.strip(), hubspot_v3(secret, method, uri, body, timestamp)):
        raise SignatureMismatch("HubSpot v3 signature does not match the request")
