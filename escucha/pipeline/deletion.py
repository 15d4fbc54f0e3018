"""Deletes from a platform reach everywhere: staging, the store, and downstream consumers.

A delete may arrive while the mention is still in the pipeline, so it leaves a tombstone the
persist stage checks: a buried mention is never stored, whatever order things happen in.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence

import redis

from escucha.core import keys
from escucha.core.models import tenant_of
from escucha.pipeline import events
from escucha.pipeline.context import PipelineContext
from escucha.store.store import Store

DELETE_STAGE = "delete"


class Tombstones:
    def __init__(self, client: redis.Redis) -> None:
        self.redis = client

    def bury(self, ids: Sequence[str], pipe: redis.client.Pipeline) -> None:
        if ids:
            pipe.zadd(keys.DELETED, dict.fromkeys(ids, time.time()))

    def trim(self, older_than_s: float) -> int:
        """Forget tombstones older than any record still staged could be (they expire first)."""
        return int(self.redis.zremrangebyscore(keys.DELETED, "-inf", time.time() - older_than_s))

    def buried(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        scores = self.redis.zmscore(keys.DELETED, list(ids))
        return {i for i, score in zip(ids, scores, strict=True) if score is not None}


def apply_deletes(client: redis.Redis, store: Store, ids: Sequence[str]) -> int:
    """Remove from the store and announce each delete on its tenant's stream; running it twice
    announces twice but deletes once."""
    removed = store.delete(ids)
    with client.pipeline(transaction=True) as pipe:
        for mention in ids:
            events.publish(pipe, tenant_of(mention), "mention.deleted", mention_id=mention)
        pipe.execute()
    return removed


def request_deletes(ctx: PipelineContext, ids: Sequence[str]) -> None:
    """Bury the ids (so in-flight copies are never stored), then ask the store worker to delete."""
    if not ids:
        return
    with ctx.redis.pipeline(transaction=True) as pipe:
        Tombstones(ctx.redis).bury(ids, pipe)
        pipe.execute()
    ctx.dispatch(DELETE_STAGE, uuid.uuid4().hex, list(ids))
