"""Channel health, the downstream event stream, and liveness."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from escucha.channels.health import ChannelStatus
from escucha.pipeline import events
from escucha.web.auth import Reader
from escucha.web.state import ApiState, get_state

router = APIRouter(tags=["monitoring"])
State = Annotated[ApiState, Depends(get_state)]


@router.get("/v1/channels")
def channels(state: State, tenant: Reader) -> list[ChannelStatus]:
    """The key's tenant's channels: last event, errors, and whether each went silent."""
    return state.health.report(tenant)


@router.get("/v1/events")
def read_events(
    state: State,
    tenant: Reader,
    after: Annotated[
        str, Query(max_length=41, description="resume after this event_id ('0': from the start)")
    ] = "0",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """The key's tenant's deletes and health events, oldest first."""
    try:
        return events.read(state.ctx.redis, tenant, after, limit)
    except events.BadEventId as error:
        raise HTTPException(422, str(error)) from error


@router.get("/health")
def health(state: State) -> dict[str, str]:
    state.ctx.redis.ping()
    return {"status": "ok"}
