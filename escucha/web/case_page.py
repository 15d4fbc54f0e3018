"""A case's page in the web inbox: `/cases/{id}`, its conversation across channels, the
contact card, the reply box with canned responses and the tone check as the agent types,
and what an agent does to a case (assign, resolve or reopen, merge or unmerge).

Another tenant's case is a 404, as in the API: the page never says it exists. Every POST
checks the session's CSRF token first (403 without it). The actions go through the same
domain calls as the API (`Answering`, `Casebook`), so the page adds no rules of its own.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from escucha.care.answering import (
    REPLYABLE,
    Answering,
    AnswerRefused,
    NoSuchCanned,
    NoSuchCase,
    ToneFindings,
)
from escucha.care.canned import MissingValues
from escucha.care.casework import TargetView
from escucha.care.lifecycle import LifecycleError, Status
from escucha.core.models import as_utc
from escucha.store.canned_responses import CannedResponses
from escucha.store.cases import WORKING, CaseFilter, History
from escucha.store.contacts import ContactView, identity_of
from escucha.store.crm_outbox import CONTACT_WRITE
from escucha.store.schema import CaseRow, CrmOutboxRow, MentionRow
from escucha.store.web_logins import WebSession
from escucha.web.browser import (
    TEMPLATES,
    Agent,
    Carer,
    check_csrf,
    given_csrf,
    language_of,
    page,
)
from escucha.web.inbox import local_time
from escucha.web.state import ApiState, get_state

router = APIRouter(include_in_schema=False)
State = Annotated[ApiState, Depends(get_state)]
Field = Annotated[str | None, Form()]
TEMPLATE = "case.html.j2"
DELIVERY = {"pending": "queued", "sending": "queued", "sent": "sent", "dead": "failed"}
PRIVATE_REPLIES = frozenset({"facebook"})  # a comment's one private reply, through Messenger
KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")  # the reply form's own idempotency key
MAX_REPLY = 10_000  # as the API's
VALUE = "value."  # a canned response's variable, as the reply form names its field


@dataclass(frozen=True)
class Said:
    """One message of the conversation: the customer's, or ours (sent through escucha or not)."""

    at: datetime
    who: str  # customer | us
    author: str
    text: str
    channel: str
    delivery: str | None = None  # queued, sent, failed: a reply that went through escucha
    private: bool = False
    error: str | None = None


@dataclass(frozen=True)
class Card:
    """Who the customer is: the contact their identity leads to, their posts, the CRM."""

    author: str
    channel: str
    contact: ContactView | None
    elsewhere: list[MentionRow]  # their posts outside this case, newest first
    crm: list[tuple[str, str | None]]  # (the CRM's id for them, a link when there is one)


@dataclass(frozen=True)
class Draft:
    """What the reply box holds: its text and key, and what the last check or send said."""

    text: str = ""
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    findings: list[dict[str, Any]] | None = None  # None: not checked yet
    refused: str | None = None  # why the case cannot take it, in the domain's words
    problem: str | None = None  # what is wrong with the form: empty, too_long
    confirm: bool = False  # a send was refused for its findings: offer to send anyway
    missing: tuple[str, ...] = ()  # a canned response's variables still without a value
    canned: str = ""


@router.get("/cases/{case_id}")
def case(request: Request, state: State, agent: Agent, case_id: str) -> Response:
    return page(request, TEMPLATE, language_of(agent), **_view(state, agent, case_id, Draft()))


@router.get("/cases/{case_id}/live")
def live(request: Request, state: State, agent: Agent, case_id: str) -> Response:
    """The SLA and the conversation, polled while a reply is on its way."""
    return _fragment(request, agent, "live", _view(state, agent, case_id, Draft()))


@router.post("/cases/{case_id}/tone")
def tone(request: Request, state: State, agent: Agent, case_id: str, text: Field = None,
         csrf: Field = None) -> Response:  # fmt: skip
    """The tone check's findings on the reply as typed (htmx, debounced): nothing is queued."""
    check_csrf(given_csrf(request, csrf), agent.csrf)
    history = _own(state, agent, case_id)
    reviewed = _reviewed(state, agent, case_id, text)
    return _fragment(request, agent, "tone", {"case": history.case, "draft": reviewed})


@router.post("/cases/{case_id}/draft")
async def draft(request: Request, state: State, agent: Agent, case_id: str) -> Response:
    """The reply box with a canned response filled in, or asking for the values it lacks."""
    form = await request.form()
    check_csrf(given_csrf(request, _str(form.get("csrf"))), agent.csrf)
    await run_in_threadpool(_own, state, agent, case_id)
    values = {k.removeprefix(VALUE): _str(v) or "" for k, v in form.items() if k.startswith(VALUE)}
    given = Draft(text=_str(form.get("text")) or "", key=_key(_str(form.get("key"))),
                  canned=_str(form.get("canned")) or "")  # fmt: skip
    composed = await run_in_threadpool(_composed, state, agent, case_id, given, values)
    context = await run_in_threadpool(_view, state, agent, case_id, composed)
    return _fragment(request, agent, "reply_box", context)


@router.post("/cases/{case_id}/reply")
async def reply(request: Request, state: State, agent: Carer, case_id: str, text: Field = None,
                key: Field = None, private: Field = None, confirm: Field = None,
                csrf: Field = None) -> Response:  # fmt: skip
    """Queue the reply through the outbox; the form's key makes a double submit send once."""
    check_csrf(given_csrf(request, csrf), agent.csrf)
    given = Draft(text=(text or "").strip(), key=_key(key))
    refused, status = await run_in_threadpool(
        _send, state, agent, case_id, given, bool(private), bool(confirm)
    )
    if refused is None:
        return _back(case_id)
    return _page_with(request, state, agent, case_id, refused, status)


@router.post("/cases/{case_id}/assign")
def assign(request: Request, state: State, agent: Carer, case_id: str, assignee: Field = None,
           csrf: Field = None) -> Response:  # fmt: skip
    """Give the case to an agent of the tenant, or back to the queue (no one chosen)."""
    _allowed(request, state, agent, case_id, csrf)
    chosen, actor = assignee or None, _actor(agent)
    return _acting(
        request,
        state,
        agent,
        case_id,
        lambda: state.casebook.assign(agent.tenant, case_id, chosen, actor, _now()),
    )


@router.post("/cases/{case_id}/resolve")
def resolve(request: Request, state: State, agent: Carer, case_id: str, csrf: Field = None
            ) -> Response:  # fmt: skip
    _allowed(request, state, agent, case_id, csrf)

    def resolved() -> None:
        state.casebook.change_status(agent.tenant, case_id, Status.resolved, _actor(agent), _now())
        state.casebook.assign_waiting(agent.tenant, _now())  # capacity freed: the queue moves

    return _acting(request, state, agent, case_id, resolved)


@router.post("/cases/{case_id}/reopen")
def reopen(request: Request, state: State, agent: Carer, case_id: str, csrf: Field = None
           ) -> Response:  # fmt: skip
    _allowed(request, state, agent, case_id, csrf)
    actor = _actor(agent)
    return _acting(request, state, agent, case_id,
                   lambda: state.casebook.change_status(agent.tenant, case_id, Status.open, actor,
                                                        _now()))  # fmt: skip


@router.post("/cases/{case_id}/merge")
def merge(request: Request, state: State, agent: Carer, case_id: str, into: Field = None,
          csrf: Field = None) -> Response:  # fmt: skip
    """Fold this case into the one the agent chose, which stays; its page comes next."""
    _allowed(request, state, agent, case_id, csrf)
    survivor, actor = into or "", _actor(agent)
    if state.casebook.cases.get(agent.tenant, survivor) is None:
        raise HTTPException(404, "no such case to merge into")
    return _acting(request, state, agent, case_id,
                   lambda: state.casebook.merge(agent.tenant, survivor, case_id, actor, _now()),
                   then=survivor)  # fmt: skip


@router.post("/cases/{case_id}/unmerge")
def unmerge(request: Request, state: State, agent: Carer, case_id: str, csrf: Field = None
            ) -> Response:  # fmt: skip
    _allowed(request, state, agent, case_id, csrf)
    actor = _actor(agent)
    return _acting(
        request,
        state,
        agent,
        case_id,
        lambda: state.casebook.unmerge(agent.tenant, case_id, actor, _now()),
    )


def _allowed(request: Request, state: ApiState, agent: WebSession, case_id: str,
             csrf: str | None) -> None:  # fmt: skip
    """403 without the session's CSRF token, then 404 unless the case is the agent's tenant's."""
    check_csrf(given_csrf(request, csrf), agent.csrf)
    _own(state, agent, case_id)


def _own(state: ApiState, agent: WebSession, case_id: str) -> History:
    """The case's history, when it is the agent's tenant's; else 404, as if it were not there."""
    history = state.casebook.cases.history(case_id)
    if history is None or history.case.tenant != agent.tenant:
        raise HTTPException(404, "no such case")
    return history


def _view(state: ApiState, agent: WebSession, case_id: str, draft: Draft) -> dict[str, Any]:
    """Everything the page shows."""
    history = _own(state, agent, case_id)
    tenant = state.casebook.tenant_of(agent.tenant)
    said = _conversation(state, history)
    latest = _latest(history)
    return {
        "agent": agent, "case": history.case, "said": said, "draft": draft,
        "queued": any(s.delivery == "queued" for s in said) or _checking(history.case),
        "targets": [TargetView.model_validate(t) for t in history.case.sla or []],
        "card": _card(state, agent.tenant, history, latest),
        "agents": state.agents.of_tenant(agent.tenant),
        "canned": sorted({c.name for c in CannedResponses(state.store.engine)
                          .of_tenant(agent.tenant)}),
        "others": _others(state, agent.tenant, history.case),
        "replyable": latest is not None and latest.source in REPLYABLE,
        "private_allowed": _private_allowed(latest),
        "direct": latest is not None and latest.direct,
        "working": history.case.status in WORKING,
        "local": local_time(tenant.zone), "active": "inbox", "error": None,
    }  # fmt: skip


def _conversation(state: ApiState, history: History) -> list[Said]:
    """The customer's messages and ours in time order, across the channels of merged cases;
    replies through escucha with where they are (queued, sent, failed)."""
    replies = {r.key: r for r in history.replies}  # sent ones, merged cases' too
    replies.update((r.key, r) for r in state.outbox.of_case(history.case.tenant, history.case.id))
    said = [Said(as_utc(m.created_at), "customer" if m.inbound else "us", m.author, m.text,
                 m.source) for m in history.mentions]  # fmt: skip
    said += [Said(as_utc(r.sent_at or r.created_at), "us", r.author, r.text, r.platform,
                  DELIVERY.get(r.status, r.status), r.private, r.last_error)
             for r in replies.values()]  # fmt: skip
    return sorted(said, key=lambda s: s.at)


def _checking(case: CaseRow) -> bool:
    """Whether the case waits for its next projection (a reply just went out, say)."""
    return case.check_at is not None and as_utc(case.check_at) <= _now()


def _latest(history: History) -> MentionRow | None:
    return next((m for m in reversed(history.mentions) if m.inbound), None)


def _private_allowed(latest: MentionRow | None) -> bool:
    """A private reply exists for a Facebook comment; a DM's answer is private already."""
    return latest is not None and latest.source in PRIVATE_REPLIES and not latest.direct


def _card(state: ApiState, tenant: str, history: History, latest: MentionRow | None) -> Card:
    """The contact the customer's identity leads to (none yet: just the handle)."""
    case = history.case
    if latest is None:
        return Card(case.author, case.source, None, [], [])
    owner = state.contacts.owners(tenant).get(
        identity_of(latest.source, latest.author_id, latest.author)
    )
    if owner is None:
        return Card(latest.author, latest.source, None, [], [])
    view = state.contacts.view(tenant, owner)
    here = {m.id for m in history.mentions}
    elsewhere = [m for m in state.contacts.timeline(tenant, view.id, limit=50) if m.id not in here]
    return Card(latest.author, latest.source, view, elsewhere[:10],
                _crm_links(state, tenant, view.members))  # fmt: skip


def _crm_links(state: ApiState, tenant: str, members: tuple[str, ...]
               ) -> list[tuple[str, str | None]]:  # fmt: skip
    """The CRM records the contact was written to, linked when the CRM is HubSpot."""
    query = select(CrmOutboxRow.account, CrmOutboxRow.crm_id).where(
        CrmOutboxRow.tenant == tenant, CrmOutboxRow.contact_id.in_(members),
        CrmOutboxRow.kind == CONTACT_WRITE, CrmOutboxRow.status == "sent",
        CrmOutboxRow.crm_id.is_not(None),
    ).distinct()  # fmt: skip
    with Session(state.store.engine) as session:
        found = sorted((str(account), crm_id) for account, crm_id in session.execute(query))
    return [(crm_id or "", _crm_url(account, crm_id or "")) for account, crm_id in found]


def _crm_url(account: str, crm_id: str) -> str | None:
    kind, _, portal = account.partition(":")
    if kind != "hubspot" or not portal.isdigit() or not crm_id.isdigit():
        return None  # a signed webhook has no page of ours to link to
    return f"https://app.hubspot.com/contacts/{portal}/record/0-1/{crm_id}"


def _others(state: ApiState, tenant: str, case: CaseRow) -> list[CaseRow]:
    """The cases this one can be merged into: the tenant's working ones, same author first."""
    rows = state.casebook.cases.listing(tenant, CaseFilter(limit=100))
    found = [r for r in rows if r.id != case.id and r.merged_into is None and r.status in WORKING]
    return sorted(found, key=lambda r: r.author != case.author)


def _answering(state: ApiState) -> Answering:
    return Answering(state.casebook.cases, state.outbox, state.channels)


def _reviewed(state: ApiState, agent: WebSession, case_id: str, text: str | None) -> Draft:
    """The draft with the tone check's findings, or why the case cannot be answered."""
    given = Draft(text=text or "")
    if not given.text.strip():
        return given
    try:
        return replace(given, findings=_answering(state).review(agent.tenant, case_id, given.text))
    except AnswerRefused as refused:
        return replace(given, refused=refused.reason)


def _composed(state: ApiState, agent: WebSession, case_id: str, given: Draft,
              values: dict[str, str]) -> Draft:  # fmt: skip
    """The draft with the canned response in place of its text, checked; or what it lacks."""
    if not given.canned:
        return given
    tenant = state.tenants.get(agent.tenant)
    try:
        composed = _answering(state).compose(tenant, case_id, given.canned, values)
    except MissingValues as missing:
        return replace(given, missing=tuple(missing.names))
    except (NoSuchCanned, AnswerRefused) as refused:
        return replace(given, refused=refused.reason)
    return replace(_reviewed(state, agent, case_id, composed.text), key=given.key,
                   canned=given.canned)  # fmt: skip


def _send(state: ApiState, agent: WebSession, case_id: str, given: Draft, private: bool,
          confirm: bool) -> tuple[Draft | None, int]:  # fmt: skip
    """Queue the reply; None when it went in (or was already in), else the refused draft."""
    history = _own(state, agent, case_id)
    if not given.text or len(given.text) > MAX_REPLY:
        return replace(given, problem="empty" if not given.text else "too_long"), 422
    private = private and _private_allowed(_latest(history))
    try:
        _answering(state).answer(agent.tenant, case_id, given.text, private, confirm,
                                 f"web-{given.key}")  # fmt: skip
    except ToneFindings as refused:
        return replace(given, findings=refused.findings, confirm=True), 422
    except NoSuchCase:
        raise HTTPException(404, "no such case") from None
    except AnswerRefused as refused:
        return replace(given, refused=refused.reason), 409
    return None, 303


def _acting(request: Request, state: ApiState, agent: WebSession, case_id: str,
            action: Callable[[], object], then: str | None = None) -> Response:  # fmt: skip
    """Do it and go back to the case (or to `then`); a refused change shows why, on the page."""
    try:
        action()
    except KeyError:
        raise HTTPException(404, "no such case or agent") from None
    except LifecycleError as error:
        return _page_with(request, state, agent, case_id, Draft(), 409, str(error))
    return _back(then or case_id)


def _page_with(request: Request, state: ApiState, agent: WebSession, case_id: str, draft: Draft,
               status: int, error: str | None = None) -> Response:  # fmt: skip
    """The page again, with the refused draft or change and why."""
    context = _view(state, agent, case_id, draft) | {"error": error}
    response = page(request, TEMPLATE, language_of(agent), **context)
    response.status_code = status
    return response


def _fragment(request: Request, agent: WebSession, block: str, context: dict[str, Any]) -> Response:
    """One block of the case page on its own, for htmx to swap in."""
    template = TEMPLATES.env.get_template(TEMPLATE)
    base = {"request": request, "lang": language_of(agent), "agent": agent}
    rendered = "".join(template.blocks[block](template.new_context(base | context)))
    return HTMLResponse(rendered)


def _back(case_id: str) -> Response:
    return RedirectResponse(f"/cases/{quote(case_id, safe=':@')}", status_code=303)


def _key(given: str | None) -> str:
    """The form's idempotency key; a fresh one when it is missing or malformed."""
    return given if given and KEY.match(given) else uuid.uuid4().hex


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _actor(agent: WebSession) -> str:
    return f"agent:{agent.agent_id}"  # as an API call naming its agent logs it (actor.py)


def _now() -> datetime:
    return datetime.now(UTC)
