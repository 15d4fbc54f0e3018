"""Building the FastAPI app; `escucha api` and `escucha up` serve it with uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from config.settings import Settings
from escucha.api import mentions, monitoring, webhooks
from escucha.api.state import ApiState
from escucha.context import Dispatch, DispatchError

RETRY_AFTER_S = 5
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError, DispatchError)


def create_app(settings: Settings, dispatch: Dispatch) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = ApiState.build(settings, dispatch)
        app.state.escucha = state
        yield
        state.store.dispose()
        state.ctx.redis.close()

    app = FastAPI(
        title="escucha",
        summary="Social listening ingest: webhooks, mentions API, search and channel health.",
        lifespan=lifespan,
    )
    app.include_router(webhooks.router)
    app.include_router(mentions.router)
    app.include_router(monitoring.router)
    for error in UNAVAILABLE:
        app.add_exception_handler(error, _unavailable)
    return app


async def _unavailable(_request: Request, error: Exception) -> JSONResponse:
    # Never 2xx-and-drop: if Redis cannot hold the mention, the sender must keep it and retry.
    return JSONResponse(
        {"detail": f"queue unavailable ({type(error).__name__}); send again later"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )
