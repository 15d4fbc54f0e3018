"""API keys: each key belongs to one tenant and sees only that tenant's data.

A key comes as `X-API-Key: <key>` or `Authorization: Bearer <key>` (RFC 6750: the scheme is
case-insensitive, and a credential without it is refused). Failed attempts are counted per
client address, apart from any tenant's budget.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from escucha.channels.signatures import constant_time_equal
from escucha.web.receiving import count_unverified
from escucha.web.state import ApiState, get_state

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="escucha"'}


def bearer_token(authorization: str | None) -> str | None:
    """The key of 'Bearer <key>', any case of 'Bearer'; None when absent."""
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(
            401,
            "Authorization must be 'Bearer <API key>' (RFC 6750), or send X-API-Key",
            headers=CHALLENGE,
        )
    return token.strip()


async def tenant_of_key(
    request: Request,
    state: Annotated[ApiState, Depends(get_state)],
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> str:
    """The tenant of the request's API key."""
    try:
        given = x_api_key or bearer_token(authorization)
    except HTTPException:
        await count_unverified(state, request)
        raise
    if not given:
        await count_unverified(state, request)
        raise HTTPException(401, "missing API key", headers=CHALLENGE)
    # Compare against every key, so timing does not reveal how far a guess matched.
    tenant = None
    for key, owner in state.settings.api_keys.items():
        if constant_time_equal(given, key):
            tenant = owner
    if tenant is None:
        await count_unverified(state, request)
        raise HTTPException(403, "unknown API key")
    return tenant


Tenant = Annotated[str, Depends(tenant_of_key)]
