"""The web inbox's side of a browser: its session cookie, its CSRF token and its pages' words.

A page dependency reads the `escucha_session` cookie (HttpOnly, SameSite=Lax, Secure when the
request came over TLS) and sends anyone without a live session to the login. Every form a page
shows carries the session's CSRF token, and every POST is refused with 403 without it; the
login form, which has no session yet, checks the double-submitted `escucha_login` cookie.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from escucha.store.web_logins import SESSION_FOR, WebSession
from escucha.web.i18n import DEFAULT, LANGUAGES, chosen, install
from escucha.web.state import ApiState, get_state

SESSION_COOKIE = "escucha_session"
LOGIN_COOKIE = "escucha_login"  # the login form's CSRF token, before any session exists
CSRF_HEADER = "x-csrf-token"  # what htmx requests carry (base.html.j2 sets it on <body>)
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
# Every template escapes what it writes: Starlette's default escapes only names ending .html,
# and ours end .html.j2, so a customer's name or words would otherwise reach the page as HTML.
TEMPLATES.env.autoescape = True
install(TEMPLATES.env)


class LoginNeeded(Exception):
    """No live session: the page answers with a redirect to the login."""


def secure(request: Request) -> bool:
    """Whether cookies may be Secure: the request came over TLS (directly or via a proxy
    that says so in X-Forwarded-Proto)."""
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def set_cookie(response: Response, request: Request, name: str, value: str,
               max_age: int = int(SESSION_FOR.total_seconds())) -> None:  # fmt: skip
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax",
                        secure=secure(request), path="/")  # fmt: skip


def current(request: Request, state: Annotated[ApiState, Depends(get_state)]) -> WebSession:
    token = request.cookies.get(SESSION_COOKIE)
    found = state.web_sessions.get(token, datetime.now(UTC)) if token else None
    if found is None:
        raise LoginNeeded
    return found


Agent = Annotated[WebSession, Depends(current)]


def carer(agent: Agent) -> WebSession:
    """An agent who may act on cases and incidents: the `read` role only looks."""
    if agent.role == "read":
        raise HTTPException(403, "a read-only agent cannot change cases or incidents")
    return agent


Carer = Annotated[WebSession, Depends(carer)]


def check_csrf(given: str | None, expected: str) -> None:
    """403 unless the form carried the expected token (compared in constant time)."""
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(403, "this form's CSRF token is missing or wrong: reload the page")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def page(request: Request, template: str, language: str, **context: Any) -> Response:
    """A page in `language` (one of i18n.LANGUAGES, else the default)."""
    lang = language if language in LANGUAGES else DEFAULT
    return TEMPLATES.TemplateResponse(request, template, {"lang": lang, **context})


def language_of(session: WebSession) -> str:
    return chosen(session.languages)


def given_csrf(request: Request, form_value: str | None) -> str | None:
    """The CSRF token a request carries: its form's `csrf` field, or htmx's X-CSRF-Token."""
    return form_value or request.headers.get(CSRF_HEADER)
