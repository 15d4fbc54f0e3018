"""The settings pages for admins: hours and holidays, SLA policies, the tone guide, agents
and shifts, alert destinations, channels, API keys; admins invite agents, who accept at
`/invite/{token}`.

`GET /settings` is one page of sections; each form posts to its own `/settings/...` route and
comes back to the page (303) when saved, or with the page and its error (422) when refused.
Only an admin of the session's tenant sees or changes anything, and only that tenant's.
Secrets go one way: an alert destination's or a channel's are never shown back, and a new API
key or invite link is shown once, on the answer to the form that made it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.responses import Response

from escucha.care.assignment import agent_of
from escucha.core.access import Role
from escucha.core.business_hours import DAYS, HoursError, WeeklyHours
from escucha.core.passwords import MIN_LENGTH, WeakPassword, hash_password
from escucha.core.sla_policy import Clock, SlaPolicy, Target
from escucha.core.tenant import Tenant
from escucha.core.tone_guide import ToneGuide
from escucha.insight.alerting import InternalDestination
from escucha.insight.alerts.destination import KINDS, parse_destination
from escucha.store.alert_outbox import NameTaken, UnknownDestination
from escucha.store.invites import InviteRefused, Invites, Members
from escucha.store.tenants import Tenants
from escucha.store.web_logins import ROLES, WebSession
from escucha.web.browser import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Agent,
    check_csrf,
    given_csrf,
    language_of,
    new_token,
    page,
    set_cookie,
)
from escucha.web.i18n import LANGUAGES
from escucha.web.inbox import local_time
from escucha.web.incidents import NewDestination
from escucha.web.state import ApiState, get_state

router = APIRouter(include_in_schema=False)
State = Annotated[ApiState, Depends(get_state)]
EVENTS = ("incident", "sla.breached", "case.escalated", "channel.silent")
# Each kind's form fields; secret ones are never filled back into a refused form.
FIELDS = {"webhook": ("url", "secret"), "slack": ("url",),
          "email": ("to", "sender", "host", "port", "username", "password"),
          "telegram": ("bot_token", "chat_id")}  # fmt: skip
SECRET_FIELDS = {"webhook.secret", "slack.url", "email.password", "telegram.bot_token"}
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def admin(agent: Agent) -> WebSession:
    """The session, when its agent is an admin; 403 for anyone else."""
    if agent.role != "admin":
        raise HTTPException(403, "settings are for admins of the tenant")
    return agent


Admin = Annotated[WebSession, Depends(admin)]


# the page


@router.get("/settings")
def settings_page(request: Request, state: State, agent: Admin) -> Response:
    return _render(request, state, agent)


def _render(request: Request, state: ApiState, agent: WebSession, status: int = 200,
            errors: dict[str, str] | None = None, entered: dict[str, str] | None = None,
            **shown: Any) -> Response:  # fmt: skip
    """The settings page of the agent's tenant; `shown` adds a once-only secret or notice."""
    engine, tenant_id = state.store.engine, agent.tenant
    tenant = _tenant(state, tenant_id)
    response = page(
        request, "settings.html.j2", language_of(agent), agent=agent, active="settings",
        tenant=tenant, days=DAYS, day_hours=_day_hours(tenant.hours), targets=list(Target),
        clocks=list(Clock), members=Members(engine).of_tenant(tenant_id), roles=ROLES,
        invites=Invites(engine).pending(tenant_id, datetime.now(UTC)),
        destinations=state.alerting.outbox.destinations(tenant_id), kinds=KINDS,
        fields=FIELDS, secret_fields=SECRET_FIELDS, events=EVENTS,
        channels=state.channels.of_tenant(tenant_id),
        keys=state.keys.keys.of_tenant(tenant_id), key_roles=[r.value for r in Role],
        key_cache_s=state.settings.api.api_key_cache_s, local=local_time(tenant.zone),
        errors=errors or {}, entered=entered or {}, **shown,
    )  # fmt: skip
    response.status_code = status
    if shown:
        response.headers.update(NO_STORE)
    return response


def _tenant(state: ApiState, tenant_id: str) -> Tenant:
    """The tenant as stored now (not the directory's copy, which may be seconds old)."""
    return Tenants(state.store.engine).get(tenant_id) or Tenant(id=tenant_id)


def _day_hours(hours: WeeklyHours) -> dict[str, str]:
    """Each weekday's intervals as its form field shows them: "09:00-14:00,16:30-19:30"."""
    return {day: ",".join(str(i) for i in intervals)
            for day, intervals in zip(DAYS, hours.days, strict=True)}  # fmt: skip


def _saved(section: str) -> Response:
    return RedirectResponse(f"/settings?saved={section}#{section}", status_code=303)


def _refused(request: Request, state: ApiState, agent: WebSession, section: str, why: str,
             form: FormData) -> Response:  # fmt: skip
    """The page again with the form as entered (secrets left out) and why it was refused."""
    entered = {k: v for k, v in form.items() if isinstance(v, str) and k not in SECRET_FIELDS}
    return _render(request, state, agent, 422, {section: why}, entered)


def _problems(error: ValidationError, where: str) -> str:
    """Each of pydantic's reasons as "where, field: why"."""
    reasons = []
    for problem in error.errors():
        field = ".".join(str(part) for part in problem["loc"])
        why = str(problem["msg"]).removeprefix("Value error, ")
        reasons.append(f"{where}{', ' + field if field else ''}: {why}")
    return "; ".join(reasons)


async def _form(request: Request, agent: WebSession) -> FormData:
    """The posted form, once its CSRF token is the session's (403 otherwise)."""
    form = await request.form()
    check_csrf(given_csrf(request, _text(form, "csrf") or None), agent.csrf)
    return form


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _put(state: ApiState, tenant: Tenant) -> None:
    # Other processes trust their copy for tenant_cache_s: cases are looked at once they let go.
    stale = timedelta(seconds=state.settings.pipeline.tenant_cache_s + 1)
    Tenants(state.store.engine, stale).put(tenant)


# business hours and holidays


@router.post("/settings/hours")
async def save_hours(request: Request, state: State, agent: Admin) -> Response:
    form = await _form(request, agent)
    return await run_in_threadpool(_save_hours, request, state, agent, form)


def _save_hours(request: Request, state: ApiState, agent: WebSession, form: FormData
                ) -> Response:  # fmt: skip
    tenant = _tenant(state, agent.tenant)
    text = "; ".join(f"{day} {_text(form, f'hours.{day}')}" for day in DAYS
                     if _text(form, f"hours.{day}"))  # fmt: skip
    closed = [d for d in re.split(r"[\s,]+", _text(form, "closed_dates")) if d]
    try:
        hours = str(WeeklyHours.parse(text))
        changed = Tenant.model_validate(tenant.model_dump(mode="json") | {
            "timezone": _text(form, "timezone"), "hours": hours,
            "holidays": _text(form, "holidays") or None, "closed_dates": closed})  # fmt: skip
    except HoursError as error:
        return _refused(request, state, agent, "hours", f"business hours: {error}", form)
    except ValidationError as error:
        return _refused(request, state, agent, "hours", _problems(error, "business hours"), form)
    _put(state, changed)
    return _saved("hours")


# SLA policies


@router.post("/settings/sla")
async def save_sla(request: Request, state: State, agent: Admin) -> Response:
    form = await _form(request, agent)
    return await run_in_threadpool(_save_sla, request, state, agent, form)


def _save_sla(request: Request, state: ApiState, agent: WebSession, form: FormData
              ) -> Response:  # fmt: skip
    tenant = _tenant(state, agent.tenant)
    policies = []
    for number, policy in enumerate(tenant.sla):
        try:
            policies.append(_policy(policy, number, form))
        except ValidationError as error:
            why = _problems(error, f"SLA policy {policy.name!r}")
            return _refused(request, state, agent, "sla", why, form)
    _put(state, tenant.model_copy(update={"sla": tuple(policies)}))
    return _saved("sla")


def _policy(policy: SlaPolicy, number: int, form: FormData) -> SlaPolicy:
    """The policy with the targets of its form fields; an empty minutes field drops a target."""
    targets = {}
    for target in Target:
        minutes = _text(form, f"sla.{number}.{target.value}.minutes")
        if minutes:
            clock = _text(form, f"sla.{number}.{target.value}.clock") or Clock.business.value
            targets[target.value] = {"minutes": minutes, "clock": clock}
    return SlaPolicy.model_validate(policy.model_dump(mode="json") | {"targets": targets})


# the tone guide


@router.post("/settings/tone")
async def save_tone(request: Request, state: State, agent: Admin) -> Response:
    form = await _form(request, agent)
    return await run_in_threadpool(_save_tone, request, state, agent, form)


def _save_tone(request: Request, state: ApiState, agent: WebSession, form: FormData
               ) -> Response:  # fmt: skip
    tenant = _tenant(state, agent.tenant)
    try:
        guide = ToneGuide.model_validate({
            "voice": _text(form, "tone.voice"), "greeting": "tone.greeting" in form,
            "use_name": "tone.use_name" in form,
            "informal_words": _words(_text(form, "tone.informal_words")),
            "banned_words": _words(_text(form, "tone.banned_words"))})  # fmt: skip
    except ValidationError as error:
        return _refused(request, state, agent, "tone", _problems(error, "tone guide"), form)
    _put(state, tenant.model_copy(update={"tone": guide}))
    return _saved("tone")


def _words(text: str) -> list[str]:
    """A words field's words and phrases: one per line or separated by commas."""
    return [w.strip() for w in re.split(r"[,\n]", text) if w.strip()]


# agents and shifts


@router.post("/settings/agents/{agent_id}")
async def save_agent(request: Request, state: State, agent: Admin, agent_id: str) -> Response:
    form = await _form(request, agent)
    return await run_in_threadpool(_save_agent, request, state, agent, agent_id, form)


def _save_agent(request: Request, state: ApiState, agent: WebSession, agent_id: str,
                form: FormData) -> Response:  # fmt: skip
    record = state.agents.get(agent.tenant, agent_id)
    if record is None:
        raise HTTPException(404, f"no agent {agent_id!r}")
    role, shift = _text(form, "role"), _text(form, "shift") or None
    if agent_id == agent.agent_id and role != "admin":
        why = "you cannot take away your own admin role: another admin can"
        return _refused(request, state, agent, "agents", why, form)
    if role not in ROLES:
        why = f"agent {agent_id}, role: {role!r} is none of {', '.join(ROLES)}"
        return _refused(request, state, agent, "agents", why, form)
    changed = replace(record, shift=shift)
    try:
        agent_of(changed)  # the shift is read as business hours are, and refused the same way
    except (ValidationError, HoursError) as error:
        why = _problems(error, f"agent {agent_id}") if isinstance(error, ValidationError) else (
            f"agent {agent_id}, shift: {error}")  # fmt: skip
        return _refused(request, state, agent, "agents", why, form)
    state.agents.add(agent.tenant, changed)
    if role != _role_of(state, agent.tenant, agent_id):
        Members(state.store.engine).set_role(agent.tenant, agent_id, role)
    return _saved("agents")


def _role_of(state: ApiState, tenant: str, agent_id: str) -> str | None:
    members = Members(state.store.engine).of_tenant(tenant)
    return next((m.role for m in members if m.record.id == agent_id), None)


@router.post("/settings/agents/{agent_id}/deactivate")
async def deactivate_agent(request: Request, state: State, agent: Admin,
                           agent_id: str) -> Response:  # fmt: skip
    form = await _form(request, agent)
    if agent_id == agent.agent_id:
        why = "you cannot deactivate yourself: another admin can"
        return await run_in_threadpool(_refused, request, state, agent, "agents", why, form)
    try:
        await run_in_threadpool(Members(state.store.engine).deactivate, agent.tenant, agent_id)
    except KeyError:
        raise HTTPException(404, f"no agent {agent_id!r}") from None
    return _saved("agents")


# invites


@router.post("/settings/invites")
async def invite(request: Request, state: State, agent: Admin) -> Response:
    form = await _form(request, agent)
    return await run_in_threadpool(_invite, request, state, agent, form)


def _invite(request: Request, state: ApiState, agent: WebSession, form: FormData) -> Response:
    try:
        made, token = Invites(state.store.engine).create(
            agent.tenant, _text(form, "email"), _text(form, "role"), agent.agent_id,
            datetime.now(UTC))  # fmt: skip
    except InviteRefused as error:
        return _refused(request, state, agent, "invites", f"invite: {error}", form)
    base = state.settings.crisis.public_url or str(request.base_url)
    link = f"{base.rstrip('/')}/invite/{token}"
    return _render(request, state, agent, invite_link=link, invited=made)


@router.post("/settings/invites/{invite_id}/withdraw")
async def withdraw_invite(request: Request, state: State, agent: Admin,
                          invite_id: str) -> Response:  # fmt: skip
    await _form(request, agent)
    invites = Invites(state.store.engine)
    if not await run_in_threadpool(invites.withdraw, agent.tenant, invite_id):
        raise HTTPException(404, f"no pending invite {invite_id!r}")
    return _saved("invites")


# alert destinations


@router.post("/settings/destinations")
async def add_destination(request: Request, state: State, agent: Admin) -> Response:
    form = await _form(request, agent)
    return await run_in_threadpool(_add_destination, request, state, agent, form)


def _add_destination(request: Request, state: ApiState, agent: WebSession, form: FormData
                     ) -> Response:  # fmt: skip
    name, kind = _text(form, "name"), _text(form, "kind")
    events = [e for e in form.getlist("events") if isinstance(e, str)]
    where = f"alert destination {name!r}"
    try:
        body = NewDestination.model_validate(
            {"name": name, "settings": _destination_settings(kind, form), "events": events}
        )
        destination = parse_destination(body.settings)
        state.alerting.add_destination(agent.tenant, body.name, destination, body.events,
                                       datetime.now(UTC))  # fmt: skip
    except ValidationError as error:
        return _refused(request, state, agent, "destinations", _problems(error, where), form)
    except (NameTaken, InternalDestination) as error:
        return _refused(request, state, agent, "destinations", f"{where}: {error}", form)
    return _saved("destinations")


def _destination_settings(kind: str, form: FormData) -> dict[str, Any]:
    """The destination's settings from the fields of its kind; empty fields are left out."""
    settings: dict[str, Any] = {"kind": kind}
    for field in FIELDS.get(kind, ()):
        value = _text(form, f"{kind}.{field}")
        if value:
            settings[field] = [a.strip() for a in value.split(",")] if field == "to" else value
    return settings


@router.post("/settings/destinations/{ref}/remove")
async def remove_destination(request: Request, state: State, agent: Admin,
                             ref: str) -> Response:  # fmt: skip
    await _form(request, agent)
    try:
        await run_in_threadpool(state.alerting.outbox.remove_destination, agent.tenant, ref)
    except UnknownDestination:
        raise HTTPException(404, f"no alert destination {ref!r}") from None
    return _saved("destinations")


# API keys


@router.post("/settings/keys")
async def create_key(request: Request, state: State, agent: Admin) -> Response:
    form = await _form(request, agent)
    return await run_in_threadpool(_create_key, request, state, agent, form)


def _create_key(request: Request, state: ApiState, agent: WebSession, form: FormData
                ) -> Response:  # fmt: skip
    role, name = _text(form, "role"), _text(form, "name")[:200]
    if role not in {r.value for r in Role}:
        why = f"API key, role: {role!r} is none of {', '.join(r.value for r in Role)}"
        return _refused(request, state, agent, "keys", why, form)
    record, key = state.keys.keys.create(agent.tenant, Role(role), name)
    return _render(request, state, agent, new_key=key, new_key_id=record.id)


@router.post("/settings/keys/{key_id}/revoke")
async def revoke_key(request: Request, state: State, agent: Admin, key_id: str) -> Response:
    await _form(request, agent)
    keys = state.keys.keys
    record = await run_in_threadpool(keys.find, key_id)
    if record is None or record.tenant != agent.tenant:  # another tenant's key: as absent
        raise HTTPException(404, f"no API key {key_id!r}")
    await run_in_threadpool(keys.revoke, key_id)
    return _saved("keys")


# accepting an invite


@router.get("/invite/{token}")
def invite_form(request: Request, state: State, token: str, lang: str = "es") -> Response:
    found = Invites(state.store.engine).find(token)
    if found is None or not found.live(datetime.now(UTC)):
        return _gone(request, lang, 404 if found is None else 410)
    csrf = new_token()
    response = _invite_page(request, lang, csrf=csrf, email=found.email, role=found.role)
    set_cookie(response, request, LOGIN_COOKIE, csrf, max_age=3600)
    return response


@router.post("/invite/{token}")
async def accept_invite(request: Request, state: State, token: str,
                        name: Annotated[str, Form(max_length=200)],
                        password: Annotated[str, Form()], again: Annotated[str, Form()],
                        language: Annotated[str, Form()] = "es",
                        csrf: Annotated[str | None, Form()] = None,
                        lang: Annotated[str, Form()] = "es") -> Response:  # fmt: skip
    check_csrf(csrf, request.cookies.get(LOGIN_COOKIE, ""))
    invites = Invites(state.store.engine)
    found = invites.find(token)
    now = datetime.now(UTC)
    if found is None or not found.live(now):
        return _gone(request, lang, 404 if found is None else 410)
    problem, hashed = _password_problem(name, password, again), ""
    if problem is None:
        try:
            hashed = await run_in_threadpool(hash_password, password)
        except WeakPassword:
            problem = "short"
    if problem is not None:
        response = _invite_page(request, lang, csrf=csrf, email=found.email, role=found.role,
                                error=problem, name=name)  # fmt: skip
        response.status_code = 422
        return response
    languages = (language,) if language in LANGUAGES else (lang,)
    try:
        spent, agent_id = await run_in_threadpool(invites.accept, token, name.strip(), hashed,
                                                  languages, now)  # fmt: skip
    except InviteRefused:
        return _gone(request, lang, 410)
    return _logged_in(request, state, spent.tenant, agent_id, now)


def _password_problem(name: str, password: str, again: str) -> str | None:
    """Which of the form's fields is wrong, as the page's message names it; None when none."""
    if not name.strip():
        return "name"
    if password != again:
        return "mismatch"
    return "short" if len(password) < MIN_LENGTH else None


def _logged_in(request: Request, state: ApiState, tenant: str, agent_id: str, now: datetime
               ) -> Response:  # fmt: skip
    """The new agent's session, as a login starts one, and on to the inbox."""
    session = state.web_sessions.start(tenant, agent_id, now)
    response = RedirectResponse("/inbox", status_code=303)
    set_cookie(response, request, SESSION_COOKIE, session)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


def _invite_page(request: Request, lang: str, **context: Any) -> Response:
    context = {"agent": None, "error": None, "name": "", "min_length": MIN_LENGTH,
               "languages": LANGUAGES, **context}  # fmt: skip
    response = page(request, "invite.html.j2", lang, **context)
    response.headers.update(NO_STORE)
    return response


def _gone(request: Request, lang: str, status: int) -> Response:
    response = page(request, "invite_gone.html.j2", lang, agent=None)
    response.status_code = status
    response.headers.update(NO_STORE)
    return response
