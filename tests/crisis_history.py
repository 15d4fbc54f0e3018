"""Stored histories for crisis tests: a quiet month of a tenant's mentions, then bursts."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from escucha.core.models import TriagedMention
from escucha.core.tenant import Tenant
from escucha.store.store import Store
from tests.factories import triaged

NEUTRAL = "@aerosol hola, ¿a qué hora abrís mañana?"
NEGATIVE = "@aerosol vaya servicio horrible, el pedido llegó roto y nadie contesta"
SEVERE = "@aerosol esto es una estafa, os voy a denunciar en la OCU"


class Templates:
    """Analysed once, copied many times: a month of mentions without a month of analysis."""

    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self._made: dict[str, TriagedMention] = {}

    def mention(self, text: str, n: int, at: datetime, author: str | None = None,
                followers: int | None = None) -> TriagedMention:  # fmt: skip
        if text not in self._made:
            self._made[text] = triaged(0, config=self.tenant, text=text, tenant=self.tenant.id)
        base = self._made[text]
        external = f"h{n}"
        return base.model_copy(update={
            "id": f"{self.tenant.id}:x:{external}", "external_id": external, "created_at": at,
            "author": author or f"cliente{n % 97}", "author_followers": followers,
        })  # fmt: skip


def quiet_month(store: Store, tenant: Tenant, until: datetime, per_day: float = 10,
                days: int = 30, seed: int = 0) -> int:  # fmt: skip
    """Store `days` of neutral chatter (a fifth negative) before `until`; how many."""
    rng = np.random.default_rng(seed)
    made, start = Templates(tenant), until - timedelta(days=days)
    count = int(rng.poisson(per_day * days))
    offsets = np.sort(rng.uniform(0, days * 86400, size=count))
    batch = [
        made.mention(NEGATIVE if rng.random() < 0.2 else NEUTRAL, i,
                     start + timedelta(seconds=float(s)))
        for i, s in enumerate(offsets)
    ]  # fmt: skip
    for i in range(0, len(batch), 200):
        store.save(batch[i : i + 200])
    return len(batch)


def burst(tenant: Tenant, at: datetime, count: int, first: int, text: str = NEGATIVE,
          span: timedelta = timedelta(minutes=10)) -> list[TriagedMention]:  # fmt: skip
    made = Templates(tenant)
    step = span / max(1, count)
    return [made.mention(text, first + i, at + i * step, author=f"enfadado{i}")
            for i in range(count)]  # fmt: skip
