"""Connected channels: a tenant's platform accounts with their tokens, sealed at rest.

Connecting an account also makes it the tenant's (its `[tenant.accounts]`), so the account's
webhook events come to that tenant. Listing shows accounts and details, never a token; the
token is opened only by `token`, for the sender that needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from escucha.core.sealed import Sealer
from escucha.core.tenant import account_key
from escucha.store.schema import ChannelCredentialRow
from escucha.store.tenants import Tenants

Platform = Literal["facebook", "instagram", "x", "mastodon", "hubspot", "salesforce", "webhook"]
ACCOUNT_FIELD = {"facebook": "meta_pages", "instagram": "instagram_accounts", "x": "x_user_ids",
                 "mastodon": "mastodon", "hubspot": "hubspot_portals",
                 "salesforce": "salesforce_orgs", "webhook": "crm_webhooks"}  # fmt: skip
CRMS: tuple[Platform, ...] = ("hubspot", "salesforce", "webhook")


@dataclass(frozen=True)
class Connected:
    """A connected account as anyone may see it: no token."""

    account: str
    tenant: str
    platform: str
    details: dict[str, Any]
    connected_at: datetime


class UnknownTenant(ValueError):
    pass


class ChannelCredentials:
    def __init__(self, engine: Engine, sealer: Sealer | None = None) -> None:
        """Without a sealer, accounts can be listed but no token stored or opened."""
        self.engine, self._sealer, self.tenants = engine, sealer, Tenants(engine)

    @property
    def sealer(self) -> Sealer:
        if self._sealer is None:
            raise RuntimeError("this process lists channels only; it holds no sealing key")
        return self._sealer

    def connect(
        self, tenant_id: str, platform: Platform, account_id: str, token: str, **details: str
    ) -> Connected:
        """Store the sealed token and make the account the tenant's; connecting again replaces
        the token. Raises AccountTaken when another tenant owns the account."""
        tenant = self.tenants.get(tenant_id)
        if tenant is None:
            raise UnknownTenant(f"no tenant {tenant_id!r}: add it with `escucha tenant add`")
        field = ACCOUNT_FIELD[platform]
        listed = getattr(tenant.accounts, field)
        if account_id not in listed:
            accounts = tenant.accounts.model_copy(update={field: [*listed, account_id]})
            self.tenants.put(tenant.model_copy(update={"accounts": accounts}))
        account = account_key(field, account_id)
        row = ChannelCredentialRow(
            account=account, tenant=tenant_id, platform=platform,
            sealed_token=self.sealer.seal(token), details=dict(details),
            connected_at=datetime.now(UTC),
        )  # fmt: skip
        with Session(self.engine) as session, session.begin():
            session.merge(row)
        return self._public(row)

    def of_tenant(self, tenant_id: str) -> list[Connected]:
        with Session(self.engine) as session:
            query = select(ChannelCredentialRow).where(ChannelCredentialRow.tenant == tenant_id)
            return [self._public(row) for row in session.scalars(query.order_by("account"))]

    def accounts(self, tenant_id: str, platform: Platform) -> list[str]:
        """The tenant's connected accounts on one platform ('hubspot:<portal id>', ...)."""
        return [c.account for c in self.of_tenant(tenant_id) if c.platform == platform]

    def token(self, tenant_id: str, account: str) -> str | None:
        """The opened token of the tenant's account, for a sender; None if not connected."""
        opened = self.opened(tenant_id, account)
        return opened[0] if opened else None

    def opened(self, tenant_id: str, account: str) -> tuple[str, dict[str, Any]] | None:
        """The token and details of the tenant's account; None if it is not connected."""
        with Session(self.engine) as session:
            row = session.get(ChannelCredentialRow, account)
            if row is None or row.tenant != tenant_id:  # another tenant's account: not found
                return None
            return self.sealer.open(row.sealed_token), dict(row.details)

    def disconnect(self, tenant_id: str, account: str) -> bool:
        with Session(self.engine) as session, session.begin():
            gone = session.execute(
                delete(ChannelCredentialRow).where(
                    ChannelCredentialRow.account == account,
                    ChannelCredentialRow.tenant == tenant_id,
                )
            )
            return bool(getattr(gone, "rowcount", 0))

    @staticmethod
    def _public(row: ChannelCredentialRow) -> Connected:
        details = dict(row.details)
        if row.platform == "webhook" and "url" in details:
            details["url"] = _host_only(str(details["url"]))  # its path is often its secret
        return Connected(row.account, row.tenant, row.platform, details, row.connected_at)


def _host_only(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"
