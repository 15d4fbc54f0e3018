"""Replying to a case: the tone check first, then the outbox, which sends it once.

`POST /v1/cases/{id}/replies` answers 422 with the tone findings when there are any and the
agent has not confirmed, else 202 with the reply's id and status. The reply goes out from the
tenant's connected channel on the platform the customer wrote on, to their latest message.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from escucha.care.tone import Language, Reply, check
from escucha.channels.senders import native_id
from escucha.store.outbox import NewReply
from escucha.store.schema import CaseRow, MentionRow, OutboxRow
from escucha.web.auth import Agent
from escucha.web.state import ApiState, get_state

router = APIRouter(prefix="/v1", tags=["care"])
State = Annotated[ApiState, Depends(get_state)]
REPLYABLE = {"facebook", "instagram", "x", "mastodon"}
COMPLAINTS = {"complaint", "claim"}


class ReplyRequest(BaseModel):
    text: str = Field(min_length=1, max_length=10_000)
    private: bool = False
    confirm: bool = Field(default=False, description="send despite tone findings")


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
    with Session(state.store.engine) as session:
        case = session.get(CaseRow, case_id)
        if case is None or case.tenant != tenant:
            raise HTTPException(404, f"no case {case_id!r}")
        mentions = session.scalars(
            select(MentionRow).where(MentionRow.case_id == case_id, MentionRow.inbound)
            .order_by(MentionRow.created_at.desc())
        ).all()  # fmt: skip
    if not mentions:
        raise HTTPException(409, f"case {case_id!r} has no customer message to answer")
    latest = mentions[0]
    if latest.source not in REPLYABLE:
        raise HTTPException(422, f"escucha cannot reply on {latest.source!r} yet")
    language: Language = "es" if latest.lang == "es" else "en"
    complaint = any(m.intent in COMPLAINTS or m.complaint for m in mentions)
    reply = Reply(body.text, language, latest.source, latest.author, complaint)
    findings = [f.model_dump() for f in check(reply)]
    if findings and not body.confirm:
        raise HTTPException(422, {"reason": "the reply has tone findings; fix them or confirm",
                                  "findings": findings})  # fmt: skip
    account = _channel(state, tenant, latest.source)
    new = NewReply(
        key=key or f"reply-{uuid.uuid4().hex}", tenant=tenant, account=account,
        platform=latest.source, in_reply_to=native_id(latest.source, latest.external_id),
        text=body.text,
        case_id=case_id, private=body.private,
        author_handle=latest.author if latest.source == "mastodon" else None,
    )  # fmt: skip
    state.outbox.add(new)
    row = state.outbox.get(new.key)
    if row is None or row.tenant != tenant:
        raise HTTPException(409, "that Idempotency-Key belongs to another reply")
    return _public(row) | {"findings": findings}


def _channel(state: ApiState, tenant: str, platform: str) -> str:
    for channel in state.channels.of_tenant(tenant):
        if channel.platform == platform:
            return channel.account
    raise HTTPException(409, f"tenant {tenant!r} has no connected {platform} channel: "
                             f"`escucha channel connect {platform}`")  # fmt: skip


def _public(row: OutboxRow) -> dict[str, Any]:
    return {"id": row.key, "case_id": row.case_id, "status": row.status,
            "platform": row.platform, "platform_id": row.platform_id, "error": row.last_error,
            "attempts": row.attempts}  # fmt: skip
