"""Agents' logins to the web inbox: password hashes, lockouts and browser sessions.

Invariants: a password is kept only as its Argon2id hash; after `LOCK_AFTER` failures in a row
an agent cannot log in until `LOCK_FOR` has passed, whatever the password; a session is kept
only as the SHA-256 of its cookie's token (a stolen table logs nobody in), belongs to one
agent of one tenant, and ends when it expires, at logout, or when the agent's password changes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from escucha.core.models import as_utc
from escucha.store.schema import AgentRow, WebSessionRow

LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
SESSION_FOR = timedelta(hours=12)
ROLES = ("agent", "admin", "read")


@dataclass(frozen=True)
class Login:
    """An agent as the login form checks them."""

    agent_id: str
    tenant: str
    password_hash: str | None
    locked_until: datetime | None


@dataclass(frozen=True)
class WebSession:
    tenant: str
    agent_id: str
    name: str
    role: str
    languages: tuple[str, ...]
    csrf: str  # the token every form of this session must carry


class Logins:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def set_password(self, tenant: str, agent_id: str, password_hash: str,
                     role: str | None = None) -> None:  # fmt: skip
        """Give the agent a new password (and role); their sessions end. KeyError if unknown."""
        if role is not None and role not in ROLES:
            raise ValueError(f"role {role!r} is none of {', '.join(ROLES)}")
        with Session(self.engine) as session, session.begin():
            row = session.get(AgentRow, agent_id)
            if row is None or row.tenant != tenant:
                raise KeyError(agent_id)
            row.password_hash, row.failed_logins, row.locked_until = password_hash, 0, None
            if role is not None:
                row.role = role
            session.execute(delete(WebSessionRow).where(WebSessionRow.agent_id == agent_id))

    def with_email(self, email: str) -> list[Login]:
        """Every agent with this address, in any tenant (the password tells them apart)."""
        query = select(AgentRow).where(func.lower(AgentRow.email) == email.strip().lower())
        with Session(self.engine) as session:
            return [Login(r.id, r.tenant, r.password_hash,
                          as_utc(r.locked_until) if r.locked_until else None)
                    for r in session.scalars(query)]  # fmt: skip

    def attempt(self, agent_id: str, now: datetime) -> bool:
        """Count a password check before it is made; False when the agent is locked out or
        `LOCK_AFTER` checks are already under way. One UPDATE, so parallel guesses cannot all
        slip in before the first failure is counted."""
        with Session(self.engine) as session, session.begin():
            counted = session.execute(
                update(AgentRow)
                .where(AgentRow.id == agent_id, AgentRow.failed_logins < LOCK_AFTER,
                       (AgentRow.locked_until.is_(None)) | (AgentRow.locked_until <= now))
                .values(failed_logins=AgentRow.failed_logins + 1)
            )  # fmt: skip
            return bool(getattr(counted, "rowcount", 0))

    def failed(self, agent_id: str, now: datetime) -> None:
        """After a wrong password (counted by `attempt`): the `LOCK_AFTER`th in a row locks."""
        with Session(self.engine) as session, session.begin():
            row = session.get(AgentRow, agent_id, with_for_update=True)
            if row is not None and row.failed_logins >= LOCK_AFTER:
                row.locked_until, row.failed_logins = now + LOCK_FOR, 0

    def succeeded(self, agent_id: str, rehashed: str | None = None) -> None:
        values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
        if rehashed is not None:
            values["password_hash"] = rehashed
        with Session(self.engine) as session, session.begin():
            session.execute(update(AgentRow).where(AgentRow.id == agent_id).values(**values))


class WebSessions:
    def __init__(self, engine: Engine, lasts: timedelta = SESSION_FOR) -> None:
        self.engine, self.lasts = engine, lasts

    def start(self, tenant: str, agent_id: str, now: datetime) -> str:
        """A new session; the token for the cookie (shown once, kept only hashed)."""
        token = secrets.token_urlsafe(32)
        with Session(self.engine) as session, session.begin():
            session.add(WebSessionRow(id=_digest(token), tenant=tenant, agent_id=agent_id,
                                      csrf=secrets.token_urlsafe(32), created_at=now,
                                      expires_at=now + self.lasts))  # fmt: skip
        return token

    def get(self, token: str, now: datetime) -> WebSession | None:
        """The live session of this token, with its agent; None when there is none."""
        with Session(self.engine) as session:
            row = session.get(WebSessionRow, _digest(token))
            if row is None or as_utc(row.expires_at) <= now:
                return None
            agent = session.get(AgentRow, row.agent_id)
            if agent is None or agent.tenant != row.tenant:
                return None
            return WebSession(row.tenant, agent.id, agent.name, agent.role,
                              tuple(agent.languages), row.csrf)  # fmt: skip

    def end(self, token: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(delete(WebSessionRow).where(WebSessionRow.id == _digest(token)))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
