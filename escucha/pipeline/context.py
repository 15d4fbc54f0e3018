"""The Redis-backed collaborators one process uses, built once from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import redis

from escucha.core.errors import TransientError
from escucha.core.redis_connect import DEFAULT_MASTER, connect
from escucha.pipeline.deadletter import DeadLetters
from escucha.pipeline.deliveries import Deliveries
from escucha.pipeline.ledger import Ledger
from escucha.pipeline.stages import DEFAULT_TOPOLOGY, Topology
from escucha.pipeline.staging import Staging
from escucha.pipeline.stats import Stats

if TYPE_CHECKING:
    from config.settings import Settings

# How a producer or stage hands a batch of ids to a stage: (stage, batch id, mention ids).
Dispatch = Callable[[str, str, list[str]], None]


class DispatchError(TransientError):
    """The queue system would not take a batch message (the broker is away)."""


@dataclass(frozen=True)
class PipelineContext:
    redis: redis.Redis
    staging: Staging
    ledger: Ledger
    stats: Stats
    dead_letters: DeadLetters
    deliveries: Deliveries
    dispatch: Dispatch
    batch_size: int
    topology: Topology = DEFAULT_TOPOLOGY  # where raw records go: ingest's and the sweeper's
    ack_replicas: int = 0  # replicas an accepted batch must reach before ingest answers
    ack_timeout_ms: int = 2000

    @classmethod
    def connect(
        cls,
        redis_url: str,
        dispatch: Dispatch,
        *,
        batch_size: int = 250,
        ttl_s: int = 604800,
        socket_timeout_s: float | None = None,
        max_dead_letters: int = 10_000,
        dead_letter_spill_dir: Path | None = None,
        topology: Topology = DEFAULT_TOPOLOGY,
        master: str = DEFAULT_MASTER,
        ack_replicas: int = 0,
        ack_timeout_ms: int = 2000,
    ) -> PipelineContext:
        """`redis_url` may be a Sentinel one (escucha.core.redis_connect); `master` names its
        service."""
        client = connect(redis_url, master, socket_timeout_s=socket_timeout_s)
        ledger, stats = Ledger(client), Stats(client)
        return cls(
            redis=client,
            staging=Staging(client, ttl_s),
            ledger=ledger,
            stats=stats,
            dead_letters=DeadLetters(
                client, ledger, stats, max_dead_letters, spill_dir=dead_letter_spill_dir
            ),
            deliveries=Deliveries(client, ttl_s),
            dispatch=dispatch,
            batch_size=batch_size,
            topology=topology,
            ack_replicas=ack_replicas,
            ack_timeout_ms=ack_timeout_ms,
        )


def connect_with(
    settings: Settings, dispatch: Dispatch, socket_timeout_s: float | None = None
) -> PipelineContext:
    """The context a worker, a command or the API builds from its settings."""
    stores = settings.stores
    return PipelineContext.connect(
        stores.effective_redis_url,
        dispatch,
        batch_size=settings.pipeline.batch_size,
        ttl_s=settings.pipeline.stage_ttl_s,
        socket_timeout_s=socket_timeout_s,
        max_dead_letters=settings.pipeline.max_dead_letters,
        dead_letter_spill_dir=stores.dead_letter_dir,
        topology=settings.pipeline.topology,
        master=stores.redis_master,
        ack_replicas=stores.effective_ack_replicas,
        ack_timeout_ms=stores.redis_ack_timeout_ms,
    )
