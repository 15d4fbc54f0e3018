"""What the web inbox's tests share: agents who can log in, and logging in over the socket."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from sqlalchemy import Engine

from escucha.core.passwords import hash_password
from escucha.store.agents import AgentRecord, Agents
from escucha.store.web_logins import Logins

PASSWORD = "una-contraseña-larga"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass(frozen=True)
class Person:
    """An agent of a tenant with PASSWORD; `role` None keeps the default (agent)."""

    tenant: str
    agent: str
    email: str
    role: str | None = None
    languages: tuple[str, ...] = ("es",)


ANA = Person("a", "ana", "ana@tienda.es")
BEA = Person("b", "bea", "bea@otra.es")


def with_logins(engine: Engine, *people: Person) -> None:
    """Make each person an agent of their tenant who logs in with PASSWORD."""
    agents, logins = Agents(engine), Logins(engine)
    for p in people:
        record = AgentRecord(p.agent, p.agent.title(), p.email, p.languages, 5, None)
        agents.add(p.tenant, record)
        logins.set_password(p.tenant, p.agent, hash_password(PASSWORD), p.role)


def csrf_of(html: str) -> str:
    """The CSRF token of a page's first form."""
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found[1]


def log_in(client: httpx.Client, email: str, password: str = PASSWORD) -> str:
    """Log in through the login form (asserting it worked); the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"email": email, "password": password, "csrf": token})
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/inbox").text)
