"""Tenants as the workers and the API read them: the table, re-read every few seconds.

A process reads the whole table (an agency's tens of tenants) at most once per `ttl_s`, so a
change made with `escucha tenant` is seen everywhere within that, and a mention costs a dict
lookup. A tenant with no row yet gets the defaults (UTC, always open, listening to
everything): its mentions are kept, never refused for a missing profile.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from escucha.core.tenant import Tenant
from escucha.store.tenants import Tenants


@dataclass(frozen=True)
class _Snapshot:
    read_at: float
    tenants: dict[str, Tenant]
    owners: dict[str, str]
    defaults: dict[str, Tenant] = field(default_factory=dict)


class TenantDirectory:
    def __init__(
        self, tenants: Tenants, ttl_s: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.source, self.ttl_s, self.clock = tenants, ttl_s, clock
        self._snapshot: _Snapshot | None = None

    def _current(self) -> _Snapshot:
        now, snapshot = self.clock(), self._snapshot
        if snapshot is None or now - snapshot.read_at >= self.ttl_s:
            tenants = {tenant.id: tenant for tenant in self.source.all()}
            snapshot = self._snapshot = _Snapshot(now, tenants, self.source.owners())
        return snapshot

    def get(self, tenant_id: str) -> Tenant:
        snapshot = self._current()
        known = snapshot.tenants.get(tenant_id)
        if known is not None:
            return known
        if tenant_id not in snapshot.defaults:
            snapshot.defaults[tenant_id] = Tenant(id=tenant_id)
        return snapshot.defaults[tenant_id]

    def owner(self, account: str) -> str | None:
        """The tenant that owns a platform account ('meta:<page id>'), or None."""
        return self._current().owners.get(account)

    def all(self) -> list[Tenant]:
        return list(self._current().tenants.values())
