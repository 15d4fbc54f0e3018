"""Platform webhooks: Meta (Facebook, Instagram), X and Mastodon, each signed its own way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from escucha import signatures
from escucha.api.receiving import check_rate, parse_json, read_body, take
from escucha.api.state import ApiState, get_state
from escucha.sources import mastodon, meta, x
from escucha.sources.changes import Changes

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
State = Annotated[ApiState, Depends(get_state)]


def _secret(value: str | None, setting: str) -> str:
    if not value:
        raise HTTPException(404, f"this channel is not configured: set {setting}")
    return value


async def _receive(
    state: ApiState,
    request: Request,
    channel: str,
    verify: Callable[[bytes], str],
    parse: Callable[[Any], Changes],
) -> dict[str, Any]:
    await check_rate(state, channel)
    body = await read_body(request, state.settings.max_body_bytes)
    try:
        digest = verify(body)
    except signatures.SignatureError as error:
        await run_in_threadpool(state.health.signature_failure, channel, str(error))
        raise HTTPException(error.status_code, f"signature refused: {error}") from error
    payload = parse_json(body)
    if not isinstance(payload, dict):
        raise HTTPException(422, "expected a JSON object")
    return await run_in_threadpool(take, state, channel, digest, parse(payload))


@router.get("/meta", response_class=PlainTextResponse)
def meta_verify(
    state: State,
    mode: Annotated[str, Query(alias="hub.mode")],
    token: Annotated[str, Query(alias="hub.verify_token")],
    challenge: Annotated[str, Query(alias="hub.challenge")],
) -> str:
    """Meta's subscription handshake: echo the challenge when the verify token matches."""
    expected = _secret(state.settings.meta_verify_token, "ESCUCHA_META_VERIFY_TOKEN")
    if mode != "subscribe" or not signatures.constant_time_equal(token, expected):
        raise HTTPException(403, "verify token does not match")
    return challenge


@router.post("/meta")
async def meta_receive(
    state: State,
    request: Request,
    signature_256: Annotated[str | None, Header(alias="X-Hub-Signature-256")] = None,
    signature_1: Annotated[str | None, Header(alias="X-Hub-Signature")] = None,
) -> dict[str, Any]:
    """Page feed changes and Instagram comments; SHA-256 signature, or legacy SHA-1."""
    secret = _secret(state.settings.meta_app_secret, "ESCUCHA_META_APP_SECRET")
    header, allowed = (signature_256, ("sha256",)) if signature_256 else (signature_1, ("sha1",))

    def verify(body: bytes) -> str:
        return signatures.verify_hex(header, body, secret, allowed)

    return await _receive(state, request, "meta", verify, lambda p: meta.parse(p, state.tenant_for))


@router.get("/x")
def x_crc(state: State, crc_token: Annotated[str, Query(min_length=1)]) -> dict[str, str]:
    """X's challenge-response check."""
    secret = _secret(state.settings.x_consumer_secret, "ESCUCHA_X_CONSUMER_SECRET")
    return {"response_token": signatures.x_digest(secret, crc_token.encode())}


@router.post("/x")
async def x_receive(
    state: State,
    request: Request,
    signature: Annotated[str | None, Header(alias="x-twitter-webhooks-signature")] = None,
) -> dict[str, Any]:
    """Account Activity envelopes (v1.1 tweets) or API v2 tweet objects."""
    secret = _secret(state.settings.x_consumer_secret, "ESCUCHA_X_CONSUMER_SECRET")

    def verify(body: bytes) -> str:
        return signatures.verify_x(signature, body, secret)

    return await _receive(state, request, "x", verify, lambda p: x.parse(p, state.tenant_for))


@router.post("/mastodon")
async def mastodon_receive(
    state: State,
    request: Request,
    signature: Annotated[str | None, Header(alias="X-Hub-Signature")] = None,
) -> dict[str, Any]:
    """`status.created` and `status.updated` events."""
    secret = _secret(state.settings.mastodon_webhook_secret, "ESCUCHA_MASTODON_WEBHOOK_SECRET")
    instance = state.settings.mastodon_instance

    def verify(body: bytes) -> str:
        return signatures.verify_hex(signature, body, secret, ("sha256",))

    def parse(payload: Any) -> Changes:
        return mastodon.parse_event(payload, state.tenant_for(f"mastodon:{instance}"), instance)

    return await _receive(state, request, "mastodon", verify, parse)
