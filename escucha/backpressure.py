"""Slowing ingest down when the pipeline falls behind, instead of filling Redis.

Two measures: the ledger (mentions accepted and not yet stored, across every stage) against
the high-water mark, and Redis's memory against its maxmemory. Past either, HTTP producers
get 429 with Retry-After and file imports wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from escucha.context import PipelineContext
from escucha.redis_memory import REFUSE_AT, memory_use

RETRY_AFTER_S = 5


class Backpressure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.retry_after_s = RETRY_AFTER_S


def refuse_when_full(ctx: PipelineContext, high_water: int) -> Callable[[int], None]:
    """For producers that can say 'later' (HTTP): raise Backpressure past either mark."""

    def check(incoming: int) -> None:
        in_flight = ctx.ledger.pending()
        if in_flight + incoming > high_water:
            raise Backpressure(
                f"{in_flight:,} mentions in flight, over the high-water mark of {high_water:,}"
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
