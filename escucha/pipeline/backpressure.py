"""Slowing ingest down when the pipeline falls behind, instead of filling Redis.

Two measures: the ledger (mentions accepted and not yet stored, across every stage) against
the high-water mark, and Redis's memory against its maxmemory. Past either, HTTP producers
get 429 with Retry-After and file imports wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from escucha.core.errors import TransientError
from escucha.pipeline.context import PipelineContext
from escucha.pipeline.redis_memory import REFUSE_AT, memory_use

RETRY_AFTER_S = 5


class Backpressure(TransientError):
    """The pipeline is full for now: the producer should send again in a few seconds."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, time.time() + RETRY_AFTER_S)
        self.retry_after_s = RETRY_AFTER_S


TENANT_SHARE = 0.5  # of the high-water mark, the most one tenant may have in flight
PLATFORM_HEADROOM = 1.2  # platform deliveries may go past the mark that bulk pushes stop at


def refuse_when_full(
    ctx: PipelineContext,
    high_water: int,
    tenants: Mapping[str, int] | None = None,
    headroom: float = 1.0,
    own_limit: Callable[[str], int | None] = lambda _tenant: None,
) -> Callable[[int], None]:
    """For producers that can say 'later' (HTTP): raise Backpressure past a mark.

    `tenants` (tenant → incoming) limits each tenant to its `own_limit`, or TENANT_SHARE of
    the mark when it has none, so one tenant's backlog cannot stop the others; `headroom` lets
    platform deliveries, which the platforms retry but only for so long, go on a little past
    the mark bulk pushes stop at.
    """

    arriving = tenants or {}
    shared = max(1, int(high_water * TENANT_SHARE))

    def check(incoming: int) -> None:
        in_flight = ctx.ledger.pending()
        mark = int(high_water * headroom)
        if in_flight + incoming > mark:
            raise Backpressure(
                f"{in_flight:,} mentions in flight, over the high-water mark of {mark:,}"
            )
        for tenant, pending in ctx.ledger.pending_by_tenant(arriving).items():
            limit = own_limit(tenant)
            share = limit or shared
            if pending + arriving[tenant] > share:
                what = "its own limit" if limit else f"{TENANT_SHARE:.0%} of the high-water mark"
                raise Backpressure(
                    f"tenant {tenant!r} has {pending:,} mentions in flight, over its share of "
                    f"{share:,} ({what})"
                )
        memory = memory_use(ctx.redis)
        if memory.ratio >= REFUSE_AT:
            raise Backpressure(f"{memory.describe()}, over {REFUSE_AT:.0%}")

    return check


def wait_when_full(
    ctx: PipelineContext,
    high_water: int,
    on_wait: Callable[[Backpressure], None],
    poll_s: float = 0.5,
) -> Callable[[int], None]:
    """For producers that can wait (file import): block until the pipeline has room."""
    refuse = refuse_when_full(ctx, high_water)

    def wait(incoming: int) -> None:
        while True:
            try:
                refuse(min(incoming, high_water))  # a chunk larger than the mark still goes
                return
            except Backpressure as full:
                on_wait(full)
                time.sleep(poll_s)

    return wait
