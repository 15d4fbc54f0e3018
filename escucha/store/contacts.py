"""Contacts: one person per tenant, reached through identities, merged and unmerged softly.

Invariants: an identity (a channel's handle, an e-mail, a phone) belongs to one contact of its
tenant; a merge only points one contact at another (`merged_into`), so an unmerge gives back
exactly what was there; a merge happens by itself only when two contacts share a verified
identity, never on a look-alike handle; a group's consent is the strictest of its members'.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from escucha.store.schema import ContactEventRow, ContactIdentityRow, ContactRow, MentionRow

MAX_DEPTH = 32  # merges chained deeper than this are refused
GIVEN = ("email", "phone")  # identities a person hands over, rather than a platform's handle


class UnknownContact(KeyError):
    pass


class ContactConflict(ValueError):
    """A change that would tangle contacts: a merge into itself, an identity someone else has."""


@dataclass(frozen=True)
class Identity:
    kind: str
    value: str
    verified: bool
    contact_id: str  # the member of the group it was added to


@dataclass(frozen=True)
class ContactView:
    id: str  # the group's root
    tenant: str
    name: str
    members: tuple[str, ...]  # the root first, then those merged into it
    identities: tuple[Identity, ...]
    crm_opt_in: bool  # only when every member opted in
    marketing_opt_in: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "members": list(self.members),
            "identities": [i.__dict__ for i in self.identities],
            "consent": {"crm": self.crm_opt_in, "marketing": self.marketing_opt_in},
        }


def normal(kind: str, value: str) -> str:
    """How an identity is stored: handles and e-mails without case, phones as digits."""
    value = value.strip()
    if kind == "phone":
        return ("+" if value.startswith("+") else "") + "".join(c for c in value if c.isdigit())
    return value.lower().lstrip("@") if kind != "email" else value.lower()


def identity_of(source: str, author_id: str | None, author: str) -> tuple[str, str]:
    """A post's author as an identity: the platform's id for them when it gave one, which
    survives a change of handle, else the handle."""
    return source, normal(source, author_id or author)


class Contacts:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def ensure(self, tenant: str, kind: str, value: str, name: str, now: datetime) -> str:
        """The contact an identity belongs to (its group's root), created when it is new."""
        value = normal(kind, value)
        found = self._owner(tenant, kind, value)
        if found is not None:
            return self.root(tenant, found)
        contact_id = f"ct_{uuid.uuid4().hex[:20]}"
        try:
            with Session(self.engine) as session, session.begin():
                session.add(ContactRow(id=contact_id, tenant=tenant, name=name[:200],
                                       created_at=now, updated_at=now))  # fmt: skip
                session.add(ContactIdentityRow(tenant=tenant, kind=kind, value=value,
                                               contact_id=contact_id, added_at=now))  # fmt: skip
        except IntegrityError:  # another writer created it first: theirs is the one
            owner = self._owner(tenant, kind, value)
            assert owner is not None
            return self.root(tenant, owner)
        return contact_id

    def add_identity(self, tenant: str, contact_id: str, kind: str, value: str,
                     verified: bool, now: datetime, actor: str | None = None) -> str:  # fmt: skip
        """Give a contact another identity; the root afterwards. When the identity is a
        verified one another contact holds verified too, the two are the same person and are
        merged; an unverified clash is left for a person to decide (`ContactConflict`)."""
        value = normal(kind, value)
        root = self.root(tenant, contact_id)
        try:
            with Session(self.engine) as session, session.begin():
                held = session.get(ContactIdentityRow, (tenant, kind, value))
                if held is None:
                    session.add(ContactIdentityRow(tenant=tenant, kind=kind, value=value,
                                                   contact_id=contact_id, verified=verified,
                                                   added_at=now))  # fmt: skip
                    return root
                other, both_verified = held.contact_id, held.verified and verified
        except IntegrityError:  # added by another writer meanwhile: decide against theirs
            return self.add_identity(tenant, contact_id, kind, value, verified, now, actor)
        other_root = self.root(tenant, other)
        if other_root == root:
            if verified:  # the person has now confirmed what was already theirs
                self._verify(tenant, kind, value)
            return root
        if not both_verified:
            raise ContactConflict(f"{kind} {value!r} belongs to contact {other_root}: merge them "
                                  "if they are the same person")  # fmt: skip
        self.merge(tenant, root, other_root, now, actor or "escucha", f"verified {kind}")
        return other_root

    def merge(self, tenant: str, contact_id: str, into: str, now: datetime,
              actor: str | None = None, reason: str | None = None) -> None:  # fmt: skip
        """Fold a contact's group into another's; undone by `unmerge`."""
        source, target = self.root(tenant, contact_id), self.root(tenant, into)
        if source == target:
            raise ContactConflict(f"{contact_id} and {into} are already one contact")
        if len(self._chain(tenant, into)) + self._height(tenant, source) > MAX_DEPTH:
            raise ContactConflict(f"merging would chain contacts over {MAX_DEPTH} deep")
        with Session(self.engine) as session, session.begin():
            # Only a root joins a group, and only a group whose root is still one: two merges
            # crossing each other (A into B, B into A) cannot both land and make a loop.
            moved = session.execute(
                update(ContactRow)
                .where(ContactRow.id == source, ContactRow.tenant == tenant,
                       ContactRow.merged_into.is_(None))
                .values(merged_into=target, updated_at=now)
                .execution_options(synchronize_session=False)
            )  # fmt: skip
            held = session.scalars(
                select(ContactRow).where(ContactRow.id == target).with_for_update()
            ).one()
            if not getattr(moved, "rowcount", 0) or held.merged_into is not None:
                raise ContactConflict("the contacts changed meanwhile: look again and retry")
            data = {"from": source, "reason": reason}
            session.add(ContactEventRow(tenant=tenant, contact_id=target, at=now, kind="merged",
                                        actor=actor, data=data))  # fmt: skip

    def unmerge(self, tenant: str, contact_id: str, now: datetime, actor: str | None = None
                ) -> None:  # fmt: skip
        """Take a contact (and what was merged into it) back out of the group it joined."""
        row = self._row(tenant, contact_id)
        if row.merged_into is None:
            raise ContactConflict(f"contact {contact_id} is not merged into another")
        with Session(self.engine) as session, session.begin():
            session.execute(update(ContactRow).where(ContactRow.id == contact_id)
                            .values(merged_into=None, updated_at=now))  # fmt: skip
            session.add(ContactEventRow(tenant=tenant, contact_id=contact_id, at=now,
                                        kind="unmerged", actor=actor,
                                        data={"from": row.merged_into}))  # fmt: skip

    def set_consent(self, tenant: str, contact_id: str, now: datetime, crm: bool | None = None,
                    marketing: bool | None = None, actor: str | None = None) -> None:  # fmt: skip
        """The person's word on CRM and marketing, for every member of their group."""
        values: dict[str, Any] = {"updated_at": now}
        if crm is not None:
            values["crm_opt_in"] = crm
        if marketing is not None:
            values["marketing_opt_in"] = marketing
        members = self.view(tenant, contact_id).members
        with Session(self.engine) as session, session.begin():
            session.execute(update(ContactRow).where(ContactRow.id.in_(members)).values(**values))
            session.add(ContactEventRow(tenant=tenant, contact_id=members[0], at=now,
                                        kind="consent", actor=actor,
                                        data={"crm": crm, "marketing": marketing}))  # fmt: skip

    def exists(self, tenant: str, contact_id: str) -> bool:
        with Session(self.engine) as session:
            row = session.get(ContactRow, contact_id)
            return row is not None and row.tenant == tenant

    def root(self, tenant: str, contact_id: str) -> str:
        return self._chain(tenant, contact_id)[-1]

    def view(self, tenant: str, contact_id: str) -> ContactView:
        root = self._row(tenant, self.root(tenant, contact_id))
        with Session(self.engine) as session:
            members = [root]
            frontier = [root.id]
            seen = {root.id}
            while frontier:
                children = select(ContactRow).where(
                    ContactRow.tenant == tenant, ContactRow.merged_into.in_(frontier)
                )
                found = [m for m in session.scalars(children) if m.id not in seen]
                seen.update(m.id for m in found)
                members.extend(found)
                frontier = [m.id for m in found]
            ids = [m.id for m in members]
            identities = session.scalars(select(ContactIdentityRow).where(
                ContactIdentityRow.tenant == tenant, ContactIdentityRow.contact_id.in_(ids)
            ).order_by(ContactIdentityRow.added_at, ContactIdentityRow.kind))  # fmt: skip
            found_identities = tuple(Identity(i.kind, i.value, i.verified, i.contact_id)
                                     for i in identities)  # fmt: skip
        return ContactView(
            id=root.id,
            tenant=tenant,
            name=root.name,
            members=tuple(ids),
            identities=found_identities,
            crm_opt_in=all(m.crm_opt_in for m in members),
            marketing_opt_in=all(m.marketing_opt_in for m in members),
        )

    def events(self, tenant: str, contact_ids: Iterable[str]) -> list[ContactEventRow]:
        query = select(ContactEventRow).where(
            ContactEventRow.tenant == tenant, ContactEventRow.contact_id.in_(list(contact_ids))
        )
        with Session(self.engine, expire_on_commit=False) as session:
            return list(session.scalars(query.order_by(ContactEventRow.at, ContactEventRow.id)))

    def owners(self, tenant: str) -> dict[tuple[str, str], str]:
        """Every identity of the tenant and the root of the contact it leads to."""
        with Session(self.engine) as session:
            rows = session.execute(select(ContactIdentityRow.kind, ContactIdentityRow.value,
                                          ContactIdentityRow.contact_id)
                                   .where(ContactIdentityRow.tenant == tenant)).all()  # fmt: skip
            parents = dict(session.execute(select(ContactRow.id, ContactRow.merged_into)
                                           .where(ContactRow.tenant == tenant)).all())  # fmt: skip
        return {(kind, value): _root_in(parents, owner) for kind, value, owner in rows}

    def posts(self, tenant: str, since: datetime, until: datetime, intent: str | None = None
              ) -> list[tuple[str, MentionRow]]:  # fmt: skip
        """The tenant's customers' relevant posts in [since, until), each with its person: the
        root of the contact its author's identity leads to, else the identity itself."""
        owners = self.owners(tenant)
        query = select(MentionRow).where(
            MentionRow.tenant == tenant,
            MentionRow.inbound.is_(True),
            MentionRow.relevant.is_(True),
            MentionRow.created_at >= since,
            MentionRow.created_at < until,
        )
        if intent is not None:
            query = query.where(MentionRow.intent == intent)
        with Session(self.engine, expire_on_commit=False) as session:
            rows = list(session.scalars(query.order_by(MentionRow.created_at, MentionRow.id)))
        found = []
        for row in rows:
            kind, value = identity_of(row.source, row.author_id, row.author)
            found.append((owners.get((kind, value), f"{kind}:{value}"), row))
        return found

    def timeline(self, tenant: str, contact_id: str, limit: int = 500) -> list[MentionRow]:
        """The posts of a contact's whole group, newest first: every channel they use."""
        view = self.view(tenant, contact_id)
        handles = [i for i in view.identities if i.kind not in GIVEN]
        if not handles:
            return []
        said = or_(*(_posted_by(i) for i in handles))
        query = select(MentionRow).where(MentionRow.tenant == tenant, MentionRow.inbound, said)
        with Session(self.engine, expire_on_commit=False) as session:
            newest = query.order_by(MentionRow.created_at.desc(), MentionRow.id)
            return list(session.scalars(newest.limit(limit)))

    def _verify(self, tenant: str, kind: str, value: str) -> None:
        with Session(self.engine) as session, session.begin():
            session.execute(update(ContactIdentityRow).where(
                ContactIdentityRow.tenant == tenant, ContactIdentityRow.kind == kind,
                ContactIdentityRow.value == value).values(verified=True))  # fmt: skip

    def _owner(self, tenant: str, kind: str, value: str) -> str | None:
        with Session(self.engine) as session:
            row = session.get(ContactIdentityRow, (tenant, kind, value))
            return row.contact_id if row else None

    def _row(self, tenant: str, contact_id: str) -> ContactRow:
        with Session(self.engine, expire_on_commit=False) as session:
            row = session.get(ContactRow, contact_id)
        if row is None or row.tenant != tenant:
            raise UnknownContact(contact_id)
        return row

    def _chain(self, tenant: str, contact_id: str) -> list[str]:
        """The contact, what it is merged into, and so on up to the root."""
        chain = [self._row(tenant, contact_id).id]
        while len(chain) <= MAX_DEPTH:
            parent = self._row(tenant, chain[-1]).merged_into
            if parent is None:
                return chain
            if parent in chain:
                raise ContactConflict(f"contacts {chain} are merged in a loop")
            chain.append(parent)
        raise ContactConflict(f"contact {contact_id} is merged more than {MAX_DEPTH} deep")

    def _height(self, tenant: str, root: str) -> int:
        """How many levels the group under `root` has, the root included."""
        with Session(self.engine) as session:
            levels, frontier, seen = 0, [root], {root}
            while frontier:
                levels += 1
                found = session.scalars(select(ContactRow.id).where(
                    ContactRow.tenant == tenant, ContactRow.merged_into.in_(frontier)))  # fmt: skip
                frontier = [c for c in found if c not in seen]
                seen.update(frontier)
            return levels


def _posted_by(identity: Identity) -> ColumnElement[bool]:
    author = or_(MentionRow.author_id == identity.value,
                 func.lower(MentionRow.author) == identity.value)  # fmt: skip
    return and_(MentionRow.source == identity.kind, author)


def _root_in(parents: dict[str, str | None], contact_id: str) -> str:
    for _ in range(MAX_DEPTH + 1):
        parent = parents.get(contact_id)
        if parent is None:
            return contact_id
        contact_id = parent
    return contact_id
