"""Building the FastAPI app; `escucha api` and `escucha up` serve it with uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import redis
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    generate_latest,
)
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from config.settings import Settings
from escucha.core.errors import TRANSIENT_ERRORS
from escucha.pipeline.backpressure import Backpressure
from escucha.pipeline.context import Dispatch, DispatchError
from escucha.pipeline.metrics import pipeline_registry
from escucha.web import (
    agents,
    canned,
    care_metrics,
    case_page,
    cases,
    contacts,
    crm_webhooks,
    dashboard,
    inbox,
    incident_pages,
    incidents,
    login,
    mentions,
    monitoring,
    replies,
    reports,
    settings_pages,
    webhooks,
)
from escucha.web.browser import LoginNeeded
from escucha.web.headers import SecurityHeaders
from escucha.web.state import ApiState

STATIC = Path(__file__).parent / "static"  # the inbox's CSS, script and vendored htmx
RETRY_AFTER_S = 5
# Never 2xx-and-drop: whatever is transient (Redis or SQL away, Redis at maxmemory, the broker
# refusing a message) is 503 with Retry-After, so the sender keeps the mention and retries.
UNAVAILABLE = TRANSIENT_ERRORS


def create_app(settings: Settings, dispatch: Dispatch, queues: Sequence[str] = ()) -> FastAPI:
    """The app; `queues` are the broker queues /metrics reports the length of."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = ApiState.build(settings, dispatch)
        app.state.escucha = state
        app.state.metrics = pipeline_registry(state.ctx.redis, state.ctx.dead_letters, queues)
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
    app.include_router(cases.router)
    app.include_router(replies.router)
    app.include_router(canned.router)
    app.include_router(agents.router)
    app.include_router(incidents.router)
    app.include_router(care_metrics.router)
    app.include_router(contacts.router)
    app.include_router(crm_webhooks.router)
    app.include_router(reports.router)
    app.include_router(monitoring.router)
    app.include_router(login.router)
    app.include_router(inbox.router)
    app.include_router(case_page.router)
    app.include_router(dashboard.router)
    app.include_router(incident_pages.router)
    app.include_router(settings_pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
    app.add_route("/metrics", _metrics, include_in_schema=False)
    for error in UNAVAILABLE:
        app.add_exception_handler(error, _unavailable)
    app.add_exception_handler(Backpressure, _slow_down)
    app.add_exception_handler(LoginNeeded, _to_login)
    app.add_exception_handler(RequestValidationError, _refused)
    return app


async def _refused(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's 422 without the `input` it echoes: a refused body may carry a secret (an
    alert destination's webhook secret, a platform token) that must not come back out."""
    assert isinstance(error, RequestValidationError)
    reasons = [{k: v for k, v in e.items() if k != "input"} for e in error.errors()]
    return JSONResponse(status_code=422, content={"detail": jsonable_encoder(reasons)})


async def _metrics(request: Request) -> Response:
    registry = request.app.state.metrics
    body = await run_in_threadpool(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


async def _slow_down(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Backpressure)
    return JSONResponse(
        {"detail": f"slow down: {error}"},
        status_code=429,
        headers={"Retry-After": str(error.retry_after_s)},
    )


async def _unavailable(_request: Request, error: Exception) -> JSONResponse:
    what = "queue" if isinstance(error, redis.RedisError | DispatchError) else "service"
    return JSONResponse(
        {"detail": f"{what} unavailable ({type(error).__name__}); send again later"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )


async def _to_login(_request: Request, _error: Exception) -> Response:
    """A page asked for without a live session: log in first."""
    return RedirectResponse("/login", status_code=303)
