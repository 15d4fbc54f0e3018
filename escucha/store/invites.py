"""Invites to a tenant's web inbox, and an admin's changes to the agents already in it.

Invariants: an invite's link carries a random token kept only as its SHA-256 (a stolen table
invites nobody); an invite belongs to one tenant and names the role its agent gets; it can be
accepted once, before it expires, and accepting it makes a new agent, never replaces one.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from escucha.core.models import as_utc
from escucha.store.agents import EMAIL, AgentRecord, Agents
from escucha.store.schema import AgentRow, InviteRow, WebSessionRow
from escucha.store.web_logins import ROLES, Logins

INVITE_FOR = timedelta(days=7)
CAPACITY = 5  # cases at once for a new agent, as `escucha agent add` gives


@dataclass(frozen=True)
class Invite:
    id: str
    tenant: str
    email: str
    role: str
    created_by: str
    expires_at: datetime
    accepted_at: datetime | None

    def live(self, now: datetime) -> bool:
        return self.accepted_at is None and self.expires_at > now


@dataclass(frozen=True)
class Member:
    """An agent as the settings page shows them: their role, and whether they can log in."""

    record: AgentRecord
    role: str
    can_log_in: bool


class InviteRefused(ValueError):
    """An invite that cannot be made or accepted, and why."""


class Invites:
    def __init__(self, engine: Engine, lasts: timedelta = INVITE_FOR) -> None:
        self.engine, self.lasts = engine, lasts

    def create(self, tenant: str, email: str, role: str, created_by: str, now: datetime
               ) -> tuple[Invite, str]:  # fmt: skip
        """The invite, and its token: the only time the token exists in the clear."""
        email = email.strip()
        if not EMAIL.match(email):
            raise InviteRefused(f"{email!r} is not an e-mail address")
        if role not in ROLES:
            raise InviteRefused(f"role {role!r} is none of {', '.join(ROLES)}")
        if self._member_with(tenant, email):
            raise InviteRefused(f"{email} is already an agent of this tenant")
        token = secrets.token_urlsafe(32)
        row = InviteRow(id=f"inv_{uuid.uuid4().hex[:16]}", tenant=tenant, email=email, role=role,
                        digest=_digest(token), created_by=created_by, created_at=now,
                        expires_at=now + self.lasts, accepted_at=None)  # fmt: skip
        with Session(self.engine) as session, session.begin():
            session.add(row)
            invite = _invite(row)
        return invite, token

    def _member_with(self, tenant: str, email: str) -> bool:
        query = select(AgentRow.id).where(AgentRow.tenant == tenant,
                                          func.lower(AgentRow.email) == email.lower())  # fmt: skip
        with Session(self.engine) as session:
            return session.scalars(query).first() is not None

    def find(self, token: str) -> Invite | None:
        """The invite of this token, live or not; None when there is none."""
        with Session(self.engine) as session:
            row = session.scalars(select(InviteRow).where(InviteRow.digest == _digest(token)))
            found = row.first()
            return _invite(found) if found else None

    def pending(self, tenant: str, now: datetime) -> list[Invite]:
        """The tenant's invites not yet accepted nor expired, newest first."""
        query = select(InviteRow).where(InviteRow.tenant == tenant,
                                        InviteRow.accepted_at.is_(None),
                                        InviteRow.expires_at > now)  # fmt: skip
        with Session(self.engine) as session:
            rows = session.scalars(query.order_by(InviteRow.created_at.desc()))
            return [_invite(row) for row in rows]

    def withdraw(self, tenant: str, invite_id: str) -> bool:
        """Delete a pending invite of the tenant; False when it has none by that id."""
        with Session(self.engine) as session, session.begin():
            gone = session.execute(delete(InviteRow).where(
                InviteRow.id == invite_id, InviteRow.tenant == tenant,
                InviteRow.accepted_at.is_(None)))  # fmt: skip
            return bool(getattr(gone, "rowcount", 0))

    def accept(self, token: str, name: str, password_hash: str, languages: tuple[str, ...],
               now: datetime) -> tuple[Invite, str]:  # fmt: skip
        """Spend the invite and make its agent, with its role and this password: the invite
        and the new agent's id. InviteRefused when it is unknown, used or expired."""
        found = self.find(token)
        if found is None or not found.live(now):
            raise InviteRefused("this invite is unknown, used or expired")
        if self._member_with(found.tenant, found.email):
            raise InviteRefused(f"{found.email} is already an agent of this tenant")
        # A conditional UPDATE claims it: of two acceptances at once, only one changes the row.
        with Session(self.engine) as session, session.begin():
            claimed = session.execute(
                update(InviteRow)
                .where(InviteRow.id == found.id, InviteRow.accepted_at.is_(None),
                       InviteRow.expires_at > now)
                .values(accepted_at=now)
            )  # fmt: skip
            if not getattr(claimed, "rowcount", 0):
                raise InviteRefused("this invite is unknown, used or expired")
        try:
            agent_id = self._free_id(found.email)
            record = AgentRecord(agent_id, name, found.email, languages, CAPACITY, None)
            Agents(self.engine).add(found.tenant, record)
            Logins(self.engine).set_password(found.tenant, agent_id, password_hash, found.role)
        except Exception:
            self._unclaim(found.id)  # no agent was made: the invite is still good
            raise
        return found, agent_id

    def _unclaim(self, invite_id: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(update(InviteRow).where(InviteRow.id == invite_id)
                            .values(accepted_at=None))  # fmt: skip

    def _free_id(self, email: str) -> str:
        """An agent id from the address that no agent of any tenant has (ids are global); the
        random part keeps two invites of one name accepted at once from sharing an id."""
        base = re.sub(r"[^a-z0-9_-]+", "-", email.partition("@")[0].lower()).strip("-_")[:40]
        with Session(self.engine) as session:
            while True:
                candidate = f"{base or 'agent'}-{secrets.token_hex(3)}"
                if session.get(AgentRow, candidate) is None:
                    return candidate


class Members:
    """An admin's changes to their tenant's agents: role, and taking away their login."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def of_tenant(self, tenant: str) -> list[Member]:
        query = select(AgentRow).where(AgentRow.tenant == tenant).order_by(AgentRow.id)
        with Session(self.engine) as session:
            return [Member(AgentRecord(r.id, r.name, r.email, tuple(r.languages), r.capacity,
                                       r.shift), r.role, r.password_hash is not None)
                    for r in session.scalars(query)]  # fmt: skip

    def set_role(self, tenant: str, agent_id: str, role: str) -> None:
        """Give the agent another role; their sessions end. KeyError when not the tenant's."""
        if role not in ROLES:
            raise ValueError(f"role {role!r} is none of {', '.join(ROLES)}")
        self._change(tenant, agent_id, role=role)

    def deactivate(self, tenant: str, agent_id: str) -> None:
        """The agent can no longer log in (no password, sessions ended); `escucha agent password`
        lets them in again."""
        self._change(tenant, agent_id, password_hash=None)

    def _change(self, tenant: str, agent_id: str, **values: object) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(AgentRow, agent_id, with_for_update=True)
            if row is None or row.tenant != tenant:
                raise KeyError(agent_id)
            for column, value in values.items():
                setattr(row, column, value)
            # Whatever changed, a session started before it must not keep the old rights.
            session.execute(delete(WebSessionRow).where(WebSessionRow.agent_id == agent_id))


def _invite(row: InviteRow) -> Invite:
    accepted = as_utc(row.accepted_at) if row.accepted_at else None
    return Invite(row.id, row.tenant, row.email, row.role, row.created_by,
                  as_utc(row.expires_at), accepted)  # fmt: skip


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
