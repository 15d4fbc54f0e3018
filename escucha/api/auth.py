"""API keys: each key belongs to one tenant and sees only that tenant's data."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException

from escucha.api.state import ApiState, get_state
from escucha.signatures import constant_time_equal


def tenant_of_key(
    state: Annotated[ApiState, Depends(get_state)],
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> str:
    """The tenant of the key in `Authorization: Bearer <key>` or `X-API-Key: <key>`."""
    given = x_api_key or (authorization or "").removeprefix("Bearer ").strip()
    if not given:
        raise HTTPException(401, "missing API key", headers={"WWW-Authenticate": "Bearer"})
    # Compare against every key, so timing does not reveal how far a guess matched.
    tenant = None
    for key, owner in state.settings.api_keys.items():
        if constant_time_equal(given, key):
            tenant = owner
    if tenant is None:
        raise HTTPException(403, "unknown API key")
    return tenant


Tenant = Annotated[str, Depends(tenant_of_key)]
