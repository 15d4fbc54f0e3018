"""The generic mentions API: push mentions in, search stored ones."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from escucha.channels.sources.changes import Changes
from escucha.core.models import RawMention
from escucha.pipeline.ingest import Row
from escucha.store.queries import MentionFilter, StoredMention, find_mentions, next_position
from escucha.web.auth import Ingester, Reader
from escucha.web.receiving import check_rate, parse_json, read_body, take
from escucha.web.state import ApiState, get_state

router = APIRouter(prefix="/v1", tags=["mentions"])
State = Annotated[ApiState, Depends(get_state)]
MAX_ITEMS = 5000
MENTIONS_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "maxItems": MAX_ITEMS,
                    "items": RawMention.model_json_schema(by_alias=True),
                }
            }
        },
    }
}


@router.post("/mentions", status_code=202, openapi_extra=MENTIONS_SCHEMA)
async def push_mentions(state: State, tenant: Ingester, request: Request) -> dict[str, Any]:
    """Accept a JSON array of mentions for the key's tenant.

    Valid items are accepted even when others are not; each rejected item is listed with its
    index and reason (and kept in the ingest dead-letter list).
    """
    await check_rate(state, f"api:{tenant}", state.request_limit(tenant))
    items = parse_json(await read_body(request, state.settings.api.max_body_bytes))
    if not isinstance(items, list):
        raise HTTPException(422, "expected a JSON array of mentions")
    if len(items) > MAX_ITEMS:
        raise HTTPException(413, f"{len(items)} mentions in one request; the limit is {MAX_ITEMS}")
    rows = [_row(item, n, tenant) for n, item in enumerate(items)]
    changes = Changes(upserts=rows)
    return await run_in_threadpool(take, state, "api", None, lambda: changes, False)


def _row(item: Any, index: int, tenant: str) -> Row:
    location = f"request item {index}"
    if not isinstance(item, dict):
        return Row({"item": item}, location, "expected a JSON object")
    return Row({**item, "tenant": tenant}, location)


@router.get("/mentions")
def search_mentions(
    state: State,
    tenant: Reader,
    wanted: Annotated[MentionFilter, Query()],
    request: Request,
    response: Response,
) -> list[StoredMention]:
    """Stored mentions with their analysis, newest first.

    A full page names the next in `Link: <...>; rel="next"` and `X-Next-Cursor`.
    """
    page = find_mentions(state.store, tenant, wanted)
    if position := next_position(page, wanted):
        token = position.token()
        following = request.url.include_query_params(cursor=token)
        response.headers["Link"] = f'<{following}>; rel="next"'
        response.headers["X-Next-Cursor"] = token
    return page
