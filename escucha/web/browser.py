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
from escucha.web.state import ApiState, get_state

SESSION_COOKIE = "escucha_session"
LOGIN_COOKIE = "escucha_login"  # the login form's CSRF token, before any session exists
TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")


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


def check_csrf(given: str | None, expected: str) -> None:
    """403 unless the form carried the expected token (compared in constant time)."""
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(403, "this form's CSRF token is missing or wrong: reload the page")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def page(request: Request, template: str, language: str, **context: Any) -> Response:
    words = WORDS.get(language, WORDS["en"])
    return TEMPLATES.TemplateResponse(request, template,
                                      {"w": words, "lang": language, **context})  # fmt: skip


def language_of(session: WebSession) -> str:
    return next((lang for lang in session.languages if lang in WORDS), "es")


WORDS: dict[str, dict[str, str]] = {
    "es": {
        "title": "escucha", "login": "Entrar", "email": "Correo", "password": "Contraseña",
        "wrong": "Correo o contraseña incorrectos.", "locked": "Demasiados intentos: la "
        "cuenta está bloqueada unos minutos.", "logout": "Salir", "inbox": "Bandeja",
        "case": "Caso", "channel": "Canal", "language": "Idioma", "priority": "Prioridad",
        "sla": "SLA", "status": "Estado", "assignee": "Asignado", "nobody": "nadie",
        "author": "Autor", "empty": "No hay casos abiertos.", "due": "vence",
        "conversation": "Conversación", "customer": "cliente", "us": "nosotros",
        "back": "Volver a la bandeja", "opened": "Abierto",
    },
    "en": {
        "title": "escucha", "login": "Log in", "email": "E-mail", "password": "Password",
        "wrong": "Wrong e-mail or password.", "locked": "Too many attempts: the account is "
        "locked for a few minutes.", "logout": "Log out", "inbox": "Inbox", "case": "Case",
        "channel": "Channel", "language": "Language", "priority": "Priority", "sla": "SLA",
        "status": "Status", "assignee": "Assignee", "nobody": "nobody", "author": "Author",
        "empty": "No open cases.", "due": "due", "conversation": "Conversation",
        "customer": "customer", "us": "us", "back": "Back to the inbox", "opened": "Opened",
    },
}  # fmt: skip
