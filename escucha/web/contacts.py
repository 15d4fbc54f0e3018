"""Contacts over the API: read one with its timeline, find one by identity, merge and unmerge,
add an identity, record consent. Every route is scoped to the caller's tenant."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from escucha.care.crm_sync import enqueue_consent
from escucha.store.contacts import ContactConflict, UnknownContact, normal
from escucha.store.crm_outbox import CrmOutbox
from escucha.web.actor import Actor
from escucha.web.auth import Agent, Reader
from escucha.web.state import ApiState, get_state

router = APIRouter(prefix="/v1", tags=["contacts"])
State = Annotated[ApiState, Depends(get_state)]
Kind = Literal["x", "facebook", "instagram", "mastodon", "rss", "email", "phone"]


class NewContact(BaseModel):
    kind: Kind
    value: str = Field(min_length=1, max_length=320)
    name: str = Field(min_length=1, max_length=200)


class NewIdentity(BaseModel):
    kind: Kind
    value: str = Field(min_length=1, max_length=320)
    verified: bool = Field(default=False, description="the person confirmed it (a code sent)")


class Merge(BaseModel):
    into: str = Field(min_length=1, max_length=40)


class Consent(BaseModel):
    crm: bool | None = None
    marketing: bool | None = None


@router.post("/contacts", status_code=200)
def find_or_create(state: State, tenant: Agent, body: NewContact) -> dict[str, Any]:
    """The contact an identity leads to, created when it is new."""
    contact_id = state.contacts.ensure(tenant, body.kind, body.value, body.name, _now())
    return state.contacts.view(tenant, contact_id).as_json()


@router.get("/contacts")
def lookup(
    state: State,
    tenant: Reader,
    kind: Annotated[Kind, Query()],
    value: Annotated[str, Query(min_length=1, max_length=320)],
) -> dict[str, Any]:
    owner = state.contacts.owners(tenant).get((kind, normal(kind, value)))
    if owner is None:
        raise HTTPException(404, f"no contact has {kind} {value!r}")
    return state.contacts.view(tenant, owner).as_json()


@router.get("/contacts/{contact_id}")
def read(state: State, tenant: Reader, contact_id: str) -> dict[str, Any]:
    """The contact's group, identities, consent, and their posts on every channel."""
    view = _view(state, tenant, contact_id)
    posts = state.contacts.timeline(tenant, contact_id)
    timeline = [{"id": m.id, "at": m.created_at.isoformat(), "source": m.source,
                 "text": m.text, "sentiment": m.sentiment, "complaint": m.complaint,
                 "case_id": m.case_id} for m in posts]  # fmt: skip
    log = [{"at": e.at.isoformat(), "kind": e.kind, "actor": e.actor, **e.data}
           for e in state.contacts.events(tenant, view.members)]  # fmt: skip
    return view.as_json() | {"timeline": timeline, "log": log}


@router.post("/contacts/{contact_id}/identities")
def add_identity(state: State, tenant: Agent, actor: Actor, contact_id: str, body: NewIdentity
                 ) -> dict[str, Any]:  # fmt: skip
    _view(state, tenant, contact_id)
    with _refused():
        root = state.contacts.add_identity(tenant, contact_id, body.kind, body.value,
                                           body.verified, _now(), actor)  # fmt: skip
    return state.contacts.view(tenant, root).as_json()


@router.post("/contacts/{contact_id}/merge")
def merge(state: State, tenant: Agent, actor: Actor, contact_id: str, body: Merge
          ) -> dict[str, Any]:  # fmt: skip
    _view(state, tenant, contact_id)
    _view(state, tenant, body.into)
    with _refused():
        state.contacts.merge(tenant, contact_id, body.into, _now(), actor)
    return state.contacts.view(tenant, body.into).as_json()


@router.post("/contacts/{contact_id}/unmerge")
def unmerge(state: State, tenant: Agent, actor: Actor, contact_id: str) -> dict[str, Any]:
    _view(state, tenant, contact_id)
    with _refused():
        state.contacts.unmerge(tenant, contact_id, _now(), actor)
    return state.contacts.view(tenant, contact_id).as_json()


@router.put("/contacts/{contact_id}/consent")
def consent(state: State, tenant: Agent, actor: Actor, contact_id: str, body: Consent
            ) -> dict[str, Any]:  # fmt: skip
    _view(state, tenant, contact_id)
    now = _now()
    state.contacts.set_consent(tenant, contact_id, now, body.crm, body.marketing, actor)
    outbox = CrmOutbox(state.store.engine)
    for account in state.channels.accounts(tenant, "hubspot"):  # an opt-out above all
        enqueue_consent(state.contacts, outbox, tenant, account, contact_id, now)
    return state.contacts.view(tenant, contact_id).as_json()


@contextmanager
def _refused() -> Iterator[None]:
    """A change that would tangle contacts answers 409 with the reason."""
    try:
        yield
    except ContactConflict as clash:
        raise HTTPException(409, str(clash)) from None


def _view(state: ApiState, tenant: str, contact_id: str) -> Any:
    try:
        return state.contacts.view(tenant, contact_id)
    except UnknownContact:
        raise HTTPException(404, f"no contact {contact_id!r}") from None


def _now() -> datetime:
    return datetime.now(UTC)
