"""Slowing ingest down when the pipeline falls behind, instead of filling Redis.

The measure is the ledger: mentions accepted and not yet stored, across every stage. Past the
high-water mark HTTP producers get 429 with Retry-After and file imports wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from escucha.context import PipelineContext

RETRY_AFTER_S = 5


class Backpressure(Exception):
    def __init__(self, in_flight: int, high_water: int) -> None:
        super().__init__(
            f"{in_flight:,} mentions in flight, over the high-water mark of {high_water:,}"
        )
        self.in_flight = in_flight
        self.high_water = high_water
        self.retry_after_s = RETRY_AFTER_S


def refuse_when_full(ctx: PipelineContext, high_water: int) -> Callable[[int], None]:
    """For producers that can say 'later' (HTTP): raise Backpressure past the mark."""

    def check(incoming: int) -> None:
        in_flight = ctx.ledger.pending()
        if in_flight + incoming > high_water:
            raise Backpressure(in_flight, high_water)

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
