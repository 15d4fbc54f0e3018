"""The api_keys table: make a key (shown once), list a tenant's, revoke one, find one by id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from escucha.core import access
from escucha.core.access import Role
from escucha.store.schema import ApiKeyRow


@dataclass(frozen=True)
class KeyRecord:
    id: str
    tenant: str
    role: Role
    name: str
    digest: str
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiKeyRow) -> KeyRecord:
        return cls(row.id, row.tenant, Role(row.role), row.name, row.digest,
                   row.created_at, row.revoked_at)  # fmt: skip


class ApiKeys:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, tenant: str, role: Role, name: str = "") -> tuple[KeyRecord, str]:
        """The new key's record, and the key itself: the only time it exists in the clear."""
        key_id, key = access.new_key()
        _, secret = access.parse(key) or ("", "")
        row = ApiKeyRow(id=key_id, tenant=tenant, role=role.value, name=name,
                        digest=access.digest(secret), created_at=datetime.now(UTC))  # fmt: skip
        with Session(self.engine) as session, session.begin():
            session.add(row)
            record = KeyRecord.of(row)
        return record, key

    def find(self, key_id: str) -> KeyRecord | None:
        with Session(self.engine) as session:
            row = session.get(ApiKeyRow, key_id)
            return KeyRecord.of(row) if row else None

    def of_tenant(self, tenant: str) -> list[KeyRecord]:
        with Session(self.engine) as session:
            query = select(ApiKeyRow).where(ApiKeyRow.tenant == tenant).order_by(ApiKeyRow.id)
            return [KeyRecord.of(row) for row in session.scalars(query)]

    def revoke(self, key_id: str) -> bool:
        """True when the key existed and was live; revoking twice changes nothing."""
        with Session(self.engine) as session, session.begin():
            row = session.get(ApiKeyRow, key_id, with_for_update=True)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = datetime.now(UTC)
            return True
