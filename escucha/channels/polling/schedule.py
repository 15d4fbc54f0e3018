"""Which tenants' pollers are due: beat asks every few seconds, so a poller added, changed or
removed with `escucha tenant` is picked up without restarting anything.

A poller is due when its slot key has expired; claiming the slot (SET NX with the interval as
its lifetime) is atomic, so two beats, or a tick that runs late, never hand one interval out
twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import redis

from escucha.core import keys
from escucha.core.poller_config import channel_name
from escucha.core.tenant import Tenant


@dataclass(frozen=True)
class DuePoll:
    tenant: str
    poller: str
    interval_s: float


def claim_due(client: redis.Redis, tenants: Iterable[Tenant]) -> list[DuePoll]:
    """The pollers whose interval has come round, each claimed for one interval."""
    candidates = [
        DuePoll(tenant.id, channel_name(poll), poll.interval_s)
        for tenant in tenants
        for poll in tenant.pollers()
    ]
    with client.pipeline(transaction=False) as pipe:
        for due in candidates:
            lifetime = max(1, int(due.interval_s * 1000))
            pipe.set(keys.poll_slot(due.tenant, due.poller), 1, nx=True, px=lifetime)
        claimed = pipe.execute()
    return [due for due, won in zip(candidates, claimed, strict=True) if won]
