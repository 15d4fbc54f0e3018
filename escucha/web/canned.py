"""Canned responses over the API: list them with their variables, write or remove a variant,
and draft one as a reply to a case (filled, tone-checked, nothing queued)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from escucha.care.answering import (
    Answering,
    AnswerRefused,
    Composed,
    NoSuchCanned,
    NoSuchCase,
)
from escucha.care.canned import MissingValues
from escucha.core.canned_response import NAME, CannedResponse
from escucha.store.canned_responses import CannedResponses
from escucha.web.auth import Admin, Agent, Reader
from escucha.web.state import ApiState, get_state

router = APIRouter(prefix="/v1", tags=["care"])
State = Annotated[ApiState, Depends(get_state)]
Name = Annotated[str, Path(pattern=NAME)]
Lang = Annotated[str, Path(pattern=r"^[a-z]{2,3}$")]


class CannedText(BaseModel):
    text: str = Field(min_length=1, max_length=5000, description="with {variables}")


class DraftRequest(BaseModel):
    canned: str = Field(pattern=NAME)
    values: dict[str, str] = Field(default={}, description="{variable: value}; these win")


@router.get("/canned")
def list_canned(state: State, tenant: Reader) -> list[dict[str, Any]]:
    """The tenant's canned responses, each variant with the variables it uses."""
    return [_public(r) for r in CannedResponses(state.store.engine).of_tenant(tenant)]


@router.put("/canned/{name}/{language}")
def put_canned(state: State, tenant: Admin, name: Name, language: Lang, body: CannedText,
               response: Response) -> dict[str, Any]:  # fmt: skip
    canned = CannedResponse(name=name, language=language, text=body.text)
    created = CannedResponses(state.store.engine).put(tenant, canned)
    response.status_code = 201 if created else 200
    return _public(canned) | {"created": created}


@router.delete("/canned/{name}/{language}", status_code=204)
def remove_canned(state: State, tenant: Admin, name: Name, language: Lang) -> Response:
    if not CannedResponses(state.store.engine).remove(tenant, name, language):
        raise HTTPException(404, f"no canned response {name!r} in {language!r}")
    return Response(status_code=204)


@router.post("/cases/{case_id}/drafts")
async def draft(state: State, tenant: Agent, case_id: str, body: DraftRequest
                ) -> dict[str, Any]:  # fmt: skip
    """A canned response as this case's reply would read: filled, with its tone findings."""
    return await run_in_threadpool(_draft, state, tenant, case_id, body)


def _draft(state: ApiState, tenant: str, case_id: str, body: DraftRequest) -> dict[str, Any]:
    answering = Answering(state.casebook.cases, state.outbox, state.channels)
    composed = compose(answering, state, tenant, case_id, body.canned, body.values)
    findings = answering.review(tenant, case_id, composed.text)
    return {"canned": composed.name, "language": composed.language, "text": composed.text,
            "findings": findings}  # fmt: skip


def compose(answering: Answering, state: ApiState, tenant: str, case_id: str, name: str,
            values: dict[str, str]) -> Composed:  # fmt: skip
    """The composed reply, or the HTTP error that says why there is none."""
    try:
        return answering.compose(state.tenants.get(tenant), case_id, name, values)
    except MissingValues as missing:
        raise HTTPException(422, {"reason": str(missing), "missing": missing.names}) from None
    except (NoSuchCase, NoSuchCanned) as refused:
        raise HTTPException(404, refused.reason) from None
    except AnswerRefused as refused:
        raise HTTPException(409, refused.reason) from None


def _public(canned: CannedResponse) -> dict[str, Any]:
    return {"name": canned.name, "language": canned.language, "text": canned.text,
            "variables": canned.variables}  # fmt: skip
