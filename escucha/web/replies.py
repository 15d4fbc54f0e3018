"""Replying to a case over the API (`escucha.care.answering` does the work).

`POST /v1/cases/{id}/replies` answers 422 with the tone findings when there are any and the
agent has not confirmed, else 202 with the reply's id and status.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException
from pydantic import BaseModel, Field, model_validator
from starlette.concurrency import run_in_threadpool

from escucha.care.answering import (
    Answering,
    AnswerRefused,
    CannotAnswer,
    NoSuchCase,
    ToneFindings,
    Unanswerable,
)
from escucha.store.schema import OutboxRow
from escucha.web.auth import Agent
from escucha.web.canned import compose
from escucha.web.state import ApiState, get_state

router = APIRouter(prefix="/v1", tags=["care"])
State = Annotated[ApiState, Depends(get_state)]


class ReplyRequest(BaseModel):
    text: str | None = Field(default=None, min_length=1, max_length=10_000)
    canned: str | None = Field(default=None, description="a canned response's name, not text")
    values: dict[str, str] = Field(default={}, description="the canned response's variables")
    private: bool = False
    confirm: bool = Field(default=False, description="send despite tone findings")
    automated: bool = Field(
        default=False, description="written by a bot or a rule: counted in no care figure"
    )

    @model_validator(mode="after")
    def _one_source(self) -> ReplyRequest:
        if (self.text is None) == (self.canned is None):
            raise ValueError("give the reply's text or a canned response's name, not both")
        return self


@router.post("/cases/{case_id}/replies", status_code=202)
async def reply_to_case(
    state: State,
    tenant: Agent,
    case_id: str,
    body: ReplyRequest,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> dict[str, Any]:
    """Check the reply's tone and put it in the outbox (an Idempotency-Key makes it once-only)."""
    return await run_in_threadpool(_reply, state, tenant, case_id, body, idempotency_key)


@router.get("/replies/{key}")
def reply_status(state: State, tenant: Agent, key: str) -> dict[str, Any]:
    """Where a reply is: pending, sending, sent (with the platform's id) or dead (with why)."""
    row = state.outbox.get(key)
    if row is None or row.tenant != tenant:
        raise HTTPException(404, f"no reply {key!r}")
    return _public(row)


def _reply(state: ApiState, tenant: str, case_id: str, body: ReplyRequest,
           key: str | None) -> dict[str, Any]:  # fmt: skip
    answering = Answering(state.casebook.cases, state.outbox, state.channels)
    text = body.text
    if body.canned is not None:
        text = compose(answering, state, tenant, case_id, body.canned, body.values).text
    assert text is not None  # the request's validator holds one or the other
    try:
        queued = answering.answer(
            tenant, case_id, text, body.private, body.confirm, key, body.automated
        )
    except ToneFindings as refused:
        raise HTTPException(422, {"reason": refused.reason, "findings": refused.findings}) from None
    except AnswerRefused as refused:
        raise HTTPException(STATUS[type(refused)], refused.reason) from None
    return _public(queued.reply) | {"text": queued.reply.text, "findings": queued.findings}


STATUS = {NoSuchCase: 404, CannotAnswer: 409, Unanswerable: 422}


def _public(row: OutboxRow) -> dict[str, Any]:
    return {"id": row.key, "case_id": row.case_id, "status": row.status,
            "platform": row.platform, "platform_id": row.platform_id, "error": row.last_error,
            "attempts": row.attempts, "author": row.author}  # fmt: skip
