"""Logging in to the web inbox and out of it: `GET /login`, `POST /login`, `POST /logout`.

A wrong address and a wrong password get the same answer, in the same time (a dummy hash is
checked when nobody has the address); the `LOCK_AFTER`th failure in a row locks the agent out
for `LOCK_FOR`, whatever the password.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from escucha.core.passwords import DUMMY, hash_password, needs_rehash, verify
from escucha.store.web_logins import Login
from escucha.web.browser import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Agent,
    check_csrf,
    new_token,
    page,
    set_cookie,
)
from escucha.web.receiving import count_unverified
from escucha.web.state import ApiState, get_state

router = APIRouter(include_in_schema=False)
State = Annotated[ApiState, Depends(get_state)]


@router.get("/login")
def login_form(request: Request, lang: str = "es") -> Response:
    token = new_token()
    response = page(request, "login.html.j2", lang, csrf=token, error=None)
    set_cookie(response, request, LOGIN_COOKIE, token, max_age=3600)
    return response


@router.post("/login")
async def log_in(request: Request, state: State, email: Annotated[str, Form()],
                 password: Annotated[str, Form()], csrf: Annotated[str | None, Form()] = None,
                 lang: Annotated[str, Form()] = "es") -> Response:  # fmt: skip
    check_csrf(csrf, request.cookies.get(LOGIN_COOKIE, ""))
    now = datetime.now(UTC)
    found, locked = await run_in_threadpool(_check, state, email, password, now)
    if found is None:
        await count_unverified(state, request)  # one client spraying addresses gets 429s
        response = page(request, "login.html.j2", lang, csrf=csrf,
                        error="locked" if locked else "wrong")  # fmt: skip
        response.status_code = 401
        return response
    token = state.web_sessions.start(found.tenant, found.agent_id, now)
    response = RedirectResponse("/inbox", status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def log_out(request: Request, state: State, agent: Agent,
            csrf: Annotated[str | None, Form()] = None) -> Response:  # fmt: skip
    check_csrf(csrf, agent.csrf)
    state.web_sessions.end(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _check(state: ApiState, email: str, password: str, now: datetime
           ) -> tuple[Login | None, bool]:  # fmt: skip
    """The agent these credentials log in, and whether a lockout is what refused them."""
    candidates = state.logins.with_email(email)
    if not any(c.password_hash for c in candidates):
        verify(DUMMY, password)  # the same time as a real check: addresses are not revealed
        return None, False
    locked = False
    for candidate in candidates:
        if candidate.password_hash is None:
            continue
        if not state.logins.attempt(candidate.agent_id, now):
            verify(DUMMY, password)  # a locked address takes as long as any other
            locked = True
            continue
        if verify(candidate.password_hash, password):
            again = hash_password(password) if needs_rehash(candidate.password_hash) else None
            state.logins.succeeded(candidate.agent_id, again)
            return candidate, False
        state.logins.failed(candidate.agent_id, now)
    return None, locked
