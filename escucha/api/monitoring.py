"""Channel health, the downstream event stream, and liveness."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from escucha import events
from escucha.api.auth import Tenant
from escucha.api.state import ApiState, get_state
from escucha.channel_health import ChannelStatus

router = APIRouter(tags=["monitoring"])
State = Annotated[ApiState, Depends(get_state)]


@router.get("/v1/channels")
def channels(state: State, _tenant: Tenant) -> list[ChannelStatus]:
    """Each channel's last event, errors, last signature failure and whether it went silent."""
    return state.health.report()


@router.get("/v1/events")
def read_events(
    state: State,
    _tenant: Tenant,
    after: Annotated[str, Query(description="resume after this event_id")] = "0",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Deletes and health events for downstream consumers, oldest first."""
    return events.read(state.ctx.redis, after, limit)


@router.get("/health")
def health(state: State) -> dict[str, str]:
    state.ctx.redis.ping()
    return {"status": "ok"}
