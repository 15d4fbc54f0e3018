"""Acknowledge a batch only once a replica has it, so a failover cannot lose it.

Redis replicates asynchronously: a primary killed right after answering can take the last
writes with it, and Sentinel then promotes a replica that never saw them. WAIT blocks until
replicas have acknowledged the writes its own connection made, and a pipeline's connection
goes back to the pool, so one more write (a counter) and WAIT go together on one connection:
the replication stream is ordered, so a replica that has the counter has the batch before it.
`min-replicas-to-write` would not do: it refuses writes while replicas lag, but still answers
a write that no replica has yet.
"""

from __future__ import annotations

import redis

from escucha.core import keys
from escucha.core.errors import TransientError


class NotReplicated(TransientError):
    """Too few replicas acknowledged an accepted batch in time (a failover, a replica away)."""


def confirm(client: redis.Redis, replicas: int, timeout_ms: int) -> None:
    """Return once `replicas` replicas have every write made so far; else NotReplicated."""
    if replicas <= 0:
        return
    with client.pipeline(transaction=False) as pipe:
        pipe.incr(keys.REPLICATED)
        pipe.wait(replicas, timeout_ms)
        _, acknowledged = pipe.execute()
    if int(acknowledged) < replicas:
        raise NotReplicated(
            f"{acknowledged} of {replicas} replicas acknowledged within {timeout_ms} ms"
        )
