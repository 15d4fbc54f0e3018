"""API keys: each key belongs to one tenant, sees only its data, and does only what its role
grants (`escucha.core.access`).

A key comes as `X-API-Key: <key>` or `Authorization: Bearer <key>` (RFC 6750: the scheme is
case-insensitive, and a credential without it is refused). Keys made by `escucha key create`
are found by id and checked against the SHA-256 of their secret; records are cached for a few
seconds, so a revoked key is refused within that time. Keys in ESCUCHA_API_KEYS are a
bootstrap for the demo and tests, with the admin role. Failed attempts are counted per client
address, apart from any tenant's budget.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from escucha.channels.signatures import constant_time_equal
from escucha.core import access
from escucha.core.access import Need, Role
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


@dataclass(frozen=True)
class Caller:
    tenant: str
    role: Role


def resolve(state: ApiState, given: str) -> Caller | None:
    """Who a presented key belongs to, and with which role; None when it is not a live key."""
    parsed = access.parse(given)
    if parsed is not None:
        key_id, secret = parsed
        record = state.keys.find(key_id)
        if record is None or record.revoked_at is not None:
            return None
        if not constant_time_equal(access.digest(secret), record.digest):
            return None
        return Caller(record.tenant, record.role)
    # Compare against every bootstrap key, so timing does not reveal how far a guess matched.
    tenant = None
    for key, owner in state.settings.api.api_keys.items():
        if constant_time_equal(given, key):
            tenant = owner
    return Caller(tenant, Role.admin) if tenant else None


async def caller_of_key(
    request: Request,
    state: Annotated[ApiState, Depends(get_state)],
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Caller:
    """The tenant and role of the request's API key."""
    try:
        given = x_api_key or bearer_token(authorization)
    except HTTPException:
        await count_unverified(state, request)
        raise
    if not given:
        await count_unverified(state, request)
        raise HTTPException(401, "missing API key", headers=CHALLENGE)
    caller = await run_in_threadpool(resolve, state, given)
    if caller is None:
        await count_unverified(state, request)
        raise HTTPException(403, "unknown or revoked API key")
    return caller


def requires(need: Need) -> Callable[..., Coroutine[Any, Any, str]]:
    """A dependency giving the caller's tenant, when its role grants `need`; 403 otherwise."""

    async def tenant(caller: Annotated[Caller, Depends(caller_of_key)]) -> str:
        if not access.permits(caller.role, need):
            roles = ", ".join(r.value for r in Role if access.permits(r, need))
            raise HTTPException(
                403, f"this key's role is {caller.role.value}; this needs {need.value} ({roles})"
            )
        return caller.tenant

    return tenant


Ingester = Annotated[str, Depends(requires(Need.ingest))]
Reader = Annotated[str, Depends(requires(Need.read))]
Agent = Annotated[str, Depends(requires(Need.care))]
Admin = Annotated[str, Depends(requires(Need.admin))]
