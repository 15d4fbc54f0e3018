"""`POST /webhooks/hubspot`: HubSpot's deliveries, verified (signature v3) before anything is read.

A deal won closes the fans-to-customers loop: it is stored once per event as a conversion.
HubSpot signs the URL it called, so behind a proxy ESCUCHA_PUBLIC_URL names it.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request

from escucha.channels import signatures
from escucha.channels.crm.hubspot_events import EventError, won_deals
from escucha.store.schema import ConversionRow
from escucha.web.state import ApiState, get_state

router = APIRouter(prefix="/webhooks", tags=["crm"])
State = Annotated[ApiState, Depends(get_state)]


@router.post("/hubspot")
async def hubspot_receive(
    state: State,
    request: Request,
    signature: Annotated[str | None, Header(alias="X-HubSpot-Signature-v3")] = None,
    timestamp: Annotated[str | None, Header(alias="X-HubSpot-Request-Timestamp")] = None,
) -> dict[str, Any]:
    secret = state.settings.channels.hubspot_client_secret
    if not secret:
        raise HTTPException(404, "HubSpot is not configured: set ESCUCHA_HUBSPOT_CLIENT_SECRET")
    body = await request.body()
    try:
        uri, now_ms = signed_uri(state, request), int(time.time() * 1000)
        signatures.verify_hubspot(signature, timestamp, secret, request.method, uri, body, now_ms)
    except signatures.SignatureError as refused:
        raise HTTPException(refused.status_code, str(refused)) from None
    try:
        deals = won_deals(json.loads(body), state.tenant_for)
    except (json.JSONDecodeError, EventError) as error:
        raise HTTPException(400, f"not a HubSpot delivery: {error}") from None
    now = datetime.now(UTC)
    rows = [ConversionRow(id=d.id, tenant=d.tenant, deal_id=d.deal_id, at=d.at, received_at=now)
            for d in deals]  # fmt: skip
    stored = sum(state.conversions.add(row) for row in rows)
    return {"conversions": stored, "duplicates": len(deals) - stored}


def signed_uri(state: ApiState, request: Request) -> str:
    """The URL HubSpot called: the public one when escucha sits behind a proxy."""
    public = state.settings.crisis.public_url
    if not public:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{public.rstrip('/')}{request.url.path}{query}"
