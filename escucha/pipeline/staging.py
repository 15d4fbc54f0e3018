"""The claim check: stage records live in Redis, messages carry only ids.

A stage reads its input record for each id, writes its output record and deletes the input
in one MULTI/EXEC, so at any moment a mention in flight has exactly one staged record, and a
redelivered batch can tell which ids it already moved on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

import redis
from pydantic import BaseModel, ValidationError

from escucha.core import keys
from escucha.core.models import StagedMention
from escucha.pipeline import lua_scripts

Record = TypeVar("Record", bound=BaseModel)

# The order records move through; each stage consumes one kind and writes the next.
KINDS = ("raw", "normalized", "analyzed", "triaged")


class Staging:
    def __init__(self, client: redis.Redis, ttl_s: int) -> None:
        self.redis = client
        self.ttl_s = ttl_s
        self._set_many = lua_scripts.script(client, "set_with_expiry")
        self._furthest = lua_scripts.script(client, "furthest_kinds")
        self._stage_versions = lua_scripts.script(client, "stage_versions")

    def put(self, kind: str, records: Mapping[str, BaseModel], pipe: redis.client.Pipeline) -> None:
        """Queue one command that writes every record with its expiry.

        A SET per record cost the client more than encoding the record did (~20 µs each, in
        redis-py's command building and reply parsing); one script call costs ~5.
        """
        if not records:
            return
        staged = [keys.staged(kind, mention_id) for mention_id in records]
        values = [record.model_dump_json() for record in records.values()]
        self._set_many(keys=staged, args=[self.ttl_s, *values], client=pipe)

    def put_versions(
        self, records: Mapping[str, StagedMention], pipe: redis.client.Pipeline
    ) -> None:
        """Queue the first stage's records; one older than a version its id has staged at
        any stage is left out. The pipeline's result for this command lists their positions."""
        args: list[str | float | int] = [self.ttl_s, len(KINDS)]
        for record in records.values():
            args += [record.version, record.model_dump_json()]
        staged = [keys.staged(kind, mention_id) for mention_id in records for kind in KINDS]
        self._stage_versions(keys=staged, args=args, client=pipe)

    def put_raw(
        self, kind: str, mention_id: str, payload: str, pipe: redis.client.Pipeline
    ) -> None:
        pipe.set(keys.staged(kind, mention_id), payload, ex=self.ttl_s)

    def load_raw(self, kind: str, ids: Sequence[str]) -> list[bytes | None]:
        if not ids:
            return []
        found = self.redis.mget([keys.staged(kind, i) for i in ids])
        return [keys.as_text(v).encode() if isinstance(v, str) else v for v in found]

    def advance(
        self,
        from_kind: str,
        to_kind: str | None,
        records: Mapping[str, BaseModel],
        pipe: redis.client.Pipeline,
    ) -> None:
        """Write each output record and drop its input, in the caller's transaction."""
        if to_kind is not None:
            self.put(to_kind, records, pipe)
        if records:
            pipe.delete(*(keys.staged(from_kind, i) for i in records))

    def existing(self, kind: str, ids: Iterable[str]) -> list[str]:
        ids = list(ids)
        if not ids:
            return []
        with self.redis.pipeline(transaction=False) as pipe:
            for mention_id in ids:
                pipe.exists(keys.staged(kind, mention_id))
            found = pipe.execute()
        return [i for i, hit in zip(ids, found, strict=True) if hit]

    def furthest_kinds(self, ids: Sequence[str], chunk: int = 1000) -> list[str | None]:
        """Each mention's furthest staged kind, a chunk of ids per script call.

        Each id is read inside one script, so a record moving forward between two checks
        cannot be missed by both (as reading kind by kind could).
        """
        found: list[str | None] = []
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            staged = [keys.staged(kind, mention_id) for mention_id in part for kind in KINDS]
            indexes = self._furthest(keys=staged, args=[len(KINDS)])
            found += [KINDS[int(n) - 1] if int(n) else None for n in indexes]
        return found


def decode(model: type[Record], payload: bytes) -> Record | ValidationError:
    try:
        return model.model_validate_json(payload)
    except ValidationError as error:
        return error
