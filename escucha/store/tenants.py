"""The tenants table: put (create or replace, by id) and read whole `Tenant` documents.

Each tenant's platform accounts are also rows of `tenant_accounts`, whose key makes an account
belong to one tenant at most: a webhook event for it has exactly one owner.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, or_, select, update
from sqlalchemy.orm import Session

from escucha.core.sla_policy import versioned
from escucha.core.tenant import Tenant
from escucha.store.cases import WORKING
from escucha.store.schema import CaseRow, TenantAccountRow, TenantRow


class AccountTaken(ValueError):
    """An account named by one tenant already belongs to another."""


class Tenants:
    def __init__(self, engine: Engine, stale_for: timedelta = timedelta(0)) -> None:
        """`stale_for`: how long other processes may go on reading a replaced document."""
        self.engine = engine
        self.stale_for = stale_for

    def put(self, tenant: Tenant) -> bool:
        """Store the tenant; True when it is new. Putting the same tenant twice changes nothing.

        An edited SLA policy takes the next version of its name, and a changed tenant's working
        cases are marked for re-projection, so their clocks follow the new hours and rules.
        Raises AccountTaken, storing nothing, when another tenant owns one of its accounts.
        """
        now = datetime.now(UTC)
        with Session(self.engine) as session, session.begin():
            row = session.get(TenantRow, tenant.id, with_for_update=True)
            created = row is None
            if row is None:
                row = TenantRow(id=tenant.id, created_at=now, updated_at=now)
                session.add(row)
            else:
                before = Tenant.model_validate(row.document)
                tenant = tenant.model_copy(update={"sla": versioned(before.sla, tenant.sla)})
            document = tenant.model_dump(mode="json")
            if not created and row.document != document:
                row.updated_at = now
                self._recheck_cases(session, tenant.id, now + self.stale_for)
            row.name, row.timezone, row.document = tenant.name, tenant.timezone, document
            session.flush()
            self._own_accounts(session, tenant)
            return created

    def _recheck_cases(self, session: Session, tenant_id: str, at: datetime) -> None:
        """Bring forward the next look at each working case to `at` (never put one off)."""
        session.execute(
            update(CaseRow)
            .where(CaseRow.tenant == tenant_id, CaseRow.status.in_(WORKING),
                   CaseRow.merged_into.is_(None),
                   or_(CaseRow.check_at.is_(None), CaseRow.check_at > at))
            .values(check_at=at)
            .execution_options(synchronize_session=False)
        )  # fmt: skip

    def _own_accounts(self, session: Session, tenant: Tenant) -> None:
        wanted = set(tenant.accounts.keys())
        taken = session.execute(
            select(TenantAccountRow.account, TenantAccountRow.tenant).where(
                TenantAccountRow.account.in_(wanted), TenantAccountRow.tenant != tenant.id
            )
        ).all()
        if taken:
            account, owner = sorted(taken)[0]
            raise AccountTaken(
                f"tenant {tenant.id!r}: account {account!r} already belongs to tenant {owner!r}; "
                "an account has one owner, so remove it there first"
            )
        session.execute(
            delete(TenantAccountRow).where(
                TenantAccountRow.tenant == tenant.id, TenantAccountRow.account.not_in(wanted)
            )
        )
        held = set(
            session.scalars(
                select(TenantAccountRow.account).where(TenantAccountRow.tenant == tenant.id)
            )
        )
        session.add_all(
            TenantAccountRow(account=account, tenant=tenant.id) for account in wanted - held
        )

    def get(self, tenant_id: str) -> Tenant | None:
        with Session(self.engine) as session:
            row = session.get(TenantRow, tenant_id)
            return Tenant.model_validate(row.document) if row else None

    def all(self) -> list[Tenant]:
        with Session(self.engine) as session:
            rows = session.scalars(select(TenantRow).order_by(TenantRow.id))
            return [Tenant.model_validate(row.document) for row in rows]

    def owners(self) -> dict[str, str]:
        """Account → the tenant that owns it."""
        with Session(self.engine) as session:
            rows = session.execute(select(TenantAccountRow.account, TenantAccountRow.tenant))
            return {account: owner for account, owner in rows}
