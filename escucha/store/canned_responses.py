"""A tenant's canned responses in the store: one row per name and language, replaced by put."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from escucha.core.canned_response import CannedResponse
from escucha.store.schema import CannedResponseRow


class CannedResponses:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, tenant: str, response: CannedResponse) -> bool:
        """Create or replace the variant; True when it is new."""
        with Session(self.engine) as session, session.begin():
            key = (tenant, response.name, response.language)
            row = session.get(CannedResponseRow, key)
            created = row is None
            row = row or CannedResponseRow(tenant=tenant, name=response.name,
                                           language=response.language)  # fmt: skip
            row.text, row.updated_at = response.text, datetime.now(UTC)
            session.add(row)
            return created

    def of_tenant(self, tenant: str, name: str | None = None) -> list[CannedResponse]:
        """The tenant's responses (or one response's variants), by name then language."""
        query = select(CannedResponseRow).where(CannedResponseRow.tenant == tenant)
        if name is not None:
            query = query.where(CannedResponseRow.name == name)
        query = query.order_by(CannedResponseRow.name, CannedResponseRow.language)
        with Session(self.engine) as session:
            return [CannedResponse(name=r.name, language=r.language, text=r.text)
                    for r in session.scalars(query)]  # fmt: skip

    def remove(self, tenant: str, name: str, language: str | None = None) -> int:
        """Delete a variant, or every variant of the name; how many went."""
        query = delete(CannedResponseRow).where(CannedResponseRow.tenant == tenant,
                                                CannedResponseRow.name == name)  # fmt: skip
        if language is not None:
            query = query.where(CannedResponseRow.language == language)
        with Session(self.engine) as session, session.begin():
            return int(getattr(session.execute(query), "rowcount", 0) or 0)
