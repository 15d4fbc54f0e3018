"""The tenants table: put (create or replace, by id) and read whole `Tenant` documents."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from escucha.core.tenant import Tenant
from escucha.store.schema import TenantRow


class Tenants:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, tenant: Tenant) -> bool:
        """Store the tenant; True when it is new. Putting the same tenant twice changes nothing."""
        now = datetime.now(UTC)
        document = tenant.model_dump(mode="json")
        with Session(self.engine) as session, session.begin():
            row = session.get(TenantRow, tenant.id, with_for_update=True)
            if row is None:
                row = TenantRow(id=tenant.id, created_at=now, updated_at=now)
                row.name, row.timezone, row.document = tenant.name, tenant.timezone, document
                session.add(row)
                return True
            if row.document != document:
                row.name, row.timezone, row.document = tenant.name, tenant.timezone, document
                row.updated_at = now
            return False

    def get(self, tenant_id: str) -> Tenant | None:
        with Session(self.engine) as session:
            row = session.get(TenantRow, tenant_id)
            return Tenant.model_validate(row.document) if row else None

    def all(self) -> list[Tenant]:
        with Session(self.engine) as session:
            rows = session.scalars(select(TenantRow).order_by(TenantRow.id))
            return [Tenant.model_validate(row.document) for row in rows]
