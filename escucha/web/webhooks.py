"""Platform webhooks: Meta (Facebook, Instagram), X and Mastodon, each signed its own way.

Order of checks, so anonymous junk cannot spend a platform's budget: the body is read (size
capped) and its signature checked first; a request that fails is counted against its client
address alone. Only verified deliveries count against the channel's rate.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from escucha.channels import signatures
from escucha.channels.sources import mastodon, meta, x
from escucha.channels.sources.changes import Changes
from escucha.web.receiving import (
    body_digest,
    check_rate,
    client_address,
    count_unverified,
    parse_json,
    read_body,
    take,
)
from escucha.web.state import ApiState, get_state

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
State = Annotated[ApiState, Depends(get_state)]
# X sends a short token of base64 characters (48 in the ones seen). Signing anything else
# would make the challenge an oracle for POST signatures: X's two HMACs are the same.
CRC_TOKEN = re.compile(r"^[A-Za-z0-9+/=_-]{16,128}$")


def _secret(value: str | None, setting: str) -> str:
    if not value:
        raise HTTPException(404, f"this channel is not configured: set {setting}")
    return value


async def _receive(
    state: ApiState,
    request: Request,
    channel: str,
    verify: Callable[[bytes], None],
    parse: Callable[[Any], Changes],
) -> dict[str, Any]:
    body = await read_body(request, state.settings.api.max_body_bytes)
    try:
        verify(body)
    except signatures.SignatureError as error:
        await run_in_threadpool(state.health.signature_failure, channel, str(error))
        await count_unverified(state, request)
        raise HTTPException(error.status_code, f"signature refused: {error}") from error
    await check_rate(state, channel)
    digest = body_digest(body)

    def changes() -> Changes:
        return parse(parse_json(body))

    return await run_in_threadpool(take, state, channel, digest, changes)


@router.get("/meta", response_class=PlainTextResponse)
async def meta_verify(
    state: State,
    request: Request,
    mode: Annotated[str, Query(alias="hub.mode")],
    token: Annotated[str, Query(alias="hub.verify_token")],
    challenge: Annotated[str, Query(alias="hub.challenge", max_length=256)],
) -> str:
    """Meta's subscription handshake: echo the challenge when the verify token matches."""
    expected = _secret(state.settings.channels.meta_verify_token, "ESCUCHA_META_VERIFY_TOKEN")
    if mode != "subscribe" or not signatures.constant_time_equal(token, expected):
        await count_unverified(state, request)
        raise HTTPException(403, "verify token does not match")
    return challenge


@router.post("/meta")
async def meta_receive(
    state: State,
    request: Request,
    signature_256: Annotated[str | None, Header(alias="X-Hub-Signature-256")] = None,
    signature_1: Annotated[str | None, Header(alias="X-Hub-Signature")] = None,
) -> dict[str, Any]:
    """Page feed and mention changes, Instagram comments; SHA-256 signature, or legacy SHA-1."""
    secret = _secret(state.settings.channels.meta_app_secret, "ESCUCHA_META_APP_SECRET")
    header, allowed = (signature_256, ("sha256",)) if signature_256 else (signature_1, ("sha1",))

    def verify(body: bytes) -> None:
        signatures.verify_hex(header, body, secret, allowed)

    return await _receive(state, request, "meta", verify, lambda p: meta.parse(p, state.tenant_for))


def _x_secret(state: ApiState) -> str:
    return _secret(
        state.settings.channels.x_client_secret or state.settings.channels.x_consumer_secret,
        "ESCUCHA_X_CONSUMER_SECRET",
    )


@router.get("/x")
async def x_crc(
    state: State, request: Request, crc_token: Annotated[str, Query(max_length=256)]
) -> dict[str, str]:
    """X's challenge-response check, for tokens of the form X sends only."""
    secret = _x_secret(state)
    if not CRC_TOKEN.match(crc_token) or _is_json(crc_token):
        await count_unverified(state, request)
        raise HTTPException(400, "crc_token is not a challenge token (16-128 base64 characters)")
    # Anyone may ask, so every ask counts, on a budget of its own: junk from the same address
    # (a proxy in front shows one address for all) must not make X's challenge fail.
    limit = state.settings.api.unverified_rate_limit_per_minute
    await check_rate(state, f"crc:{client_address(request)}", limit)
    return {"response_token": signatures.x_digest(secret, crc_token.encode())}


def _is_json(token: str) -> bool:
    try:
        json.loads(token)
    except ValueError:
        return False
    return True


@router.post("/x")
async def x_receive(
    state: State,
    request: Request,
    signature_oauth2: Annotated[
        str | None, Header(alias="x-twitter-webhooks-signature-oauth2")
    ] = None,
    signature: Annotated[str | None, Header(alias="x-twitter-webhooks-signature")] = None,
) -> dict[str, Any]:
    """Activity API events, Account Activity envelopes (v1.1 posts) or API v2 post objects."""
    settings = state.settings
    _x_secret(state)

    def verify(body: bytes) -> None:
        # Each header is checked with its own secret, and only when that secret is set: a
        # missing secret is never an empty key anyone can sign with.
        if settings.channels.x_client_secret and (
            signature_oauth2 or not settings.channels.x_consumer_secret
        ):
            signatures.verify_x(signature_oauth2, body, settings.channels.x_client_secret)
        else:
            signatures.verify_x(signature, body, settings.channels.x_consumer_secret or "")

    return await _receive(state, request, "x", verify, lambda p: x.parse(p, state.tenant_for))


async def _mastodon(
    state: ApiState, request: Request, signature: str | None, secret: str, instance: str
) -> dict[str, Any]:
    def verify(body: bytes) -> None:
        signatures.verify_hex(signature, body, secret, ("sha256",))

    def parse(payload: Any) -> Changes:
        return mastodon.parse_event(payload, state.tenant_for, instance)

    return await _receive(state, request, "mastodon", verify, parse)


@router.post("/mastodon")
async def mastodon_receive(
    state: State,
    request: Request,
    signature: Annotated[str | None, Header(alias="X-Hub-Signature")] = None,
) -> dict[str, Any]:
    """`status.created` and `status.updated` events from ESCUCHA_MASTODON_INSTANCE."""
    secret = _secret(
        state.settings.channels.mastodon_webhook_secret, "ESCUCHA_MASTODON_WEBHOOK_SECRET"
    )
    return await _mastodon(
        state, request, signature, secret, state.settings.channels.mastodon_instance
    )


@router.post("/mastodon/{instance}")
async def mastodon_instance_receive(
    state: State,
    request: Request,
    instance: str,
    signature: Annotated[str | None, Header(alias="X-Hub-Signature")] = None,
) -> dict[str, Any]:
    """The same, from one of several instances, each with its own webhook secret."""
    secret = state.settings.channels.mastodon_webhook_secrets.get(instance)
    _secret(secret, f"ESCUCHA_MASTODON_WEBHOOK_SECRETS[{instance!r}]")
    return await _mastodon(state, request, signature, secret or "", instance)
