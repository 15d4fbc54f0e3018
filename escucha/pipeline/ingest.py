"""The one door every producer uses: validate, stage, record in the ledger, publish.

A mention is accepted once its record and its ledger entry are in Redis (and, with Sentinel,
on a replica); only then is a batch message published. If publishing fails after that, the
sweeper re-publishes it.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from pydantic import ValidationError

from escucha.core.models import DeadLetter, RawMention, StagedMention, extend
from escucha.pipeline import replication
from escucha.pipeline.context import PipelineContext
from escucha.pipeline.deadletter import INGEST
from escucha.pipeline.stages import ENTRY


@dataclass(frozen=True)
class Row:
    """One candidate mention and where it came from (for error messages)."""

    data: Mapping[str, Any] | RawMention
    location: str | None = None
    problem: str | None = None  # set when the row could not even be parsed

    def value(self, name: str) -> Any:
        return (
            getattr(self.data, name, None)
            if isinstance(self.data, RawMention)
            else self.data.get(name)
        )

    def with_fields(self, **fields: Any) -> Row:
        """A copy with some fields set, e.g. the tenant a poller or API key implies."""
        if isinstance(self.data, RawMention):
            return Row(self.data.model_copy(update=fields), self.location, self.problem)
        return Row({**self.data, **fields}, self.location, self.problem)


@dataclass
class IngestReport:
    accepted: list[str] = field(default_factory=list)
    rejected: list[DeadLetter] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # locations of repeated ids
    superseded: list[str] = field(default_factory=list)  # older than the version in flight
    batches: int = 0


def describe(error: ValidationError) -> str:
    """'text: String should have at least 1 character; created_at: Field required'."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "row"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def row_payload(data: Mapping[str, Any] | RawMention) -> str:
    """The row as JSON for its dead letter; bytes that were not UTF-8 stay as \\udcXX escapes."""
    if isinstance(data, RawMention):
        return data.model_dump_json(by_alias=True)
    text = json.dumps(data, default=str, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(data, default=str, ensure_ascii=True)
    return text


def validate(row: Row) -> StagedMention | DeadLetter:
    if row.problem:
        payload = row_payload(row.data)
        return DeadLetter(stage=INGEST, reason=row.problem, location=row.location, payload=payload)
    try:
        raw = row.data if isinstance(row.data, RawMention) else RawMention.model_validate(row.data)
    except ValidationError as error:
        payload = row_payload(row.data)
        return DeadLetter(
            stage=INGEST, reason=describe(error), location=row.location, payload=payload
        )
    version = raw.version_at.timestamp()
    return extend(StagedMention, raw, accepted_at=datetime.now(UTC), version=version)


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def ingest(
    ctx: PipelineContext,
    rows: Iterable[Row],
    make_room: Callable[[int], None] | None = None,
) -> IngestReport:
    """Accept every valid row, dead-letter the rest with its reason; never drop one silently.

    `make_room(n)` runs before each chunk of n rows: it may wait, or raise to refuse (see
    escucha.pipeline.backpressure). Chunks accepted before a refusal stay accepted.
    """
    report = IngestReport()
    seen: set[str] = set()
    for chunk in _chunks(rows, ctx.batch_size):
        if make_room is not None:
            make_room(len(chunk))
        batch: dict[str, StagedMention] = {}
        for row in chunk:
            result = validate(row)
            if isinstance(result, DeadLetter):
                report.rejected.append(result)
                continue
            if result.id in seen or result.id in batch:
                report.duplicates.append(row.location or result.id)
            kept = batch.get(result.id)
            if kept is None or kept.version <= result.version:  # the newer version wins
                batch[result.id] = result
        seen.update(batch)
        superseded = accept(ctx, batch)
        report.superseded += superseded
        left_out = set(superseded)
        report.accepted.extend(i for i in batch if i not in left_out)
        report.batches += bool(batch)
    ctx.dead_letters.push(report.rejected)
    ctx.stats.add("rejected", len(report.rejected))
    return report


def accept(ctx: PipelineContext, batch: Mapping[str, StagedMention]) -> list[str]:
    """Stage one batch and record it in the ledger atomically, then publish it.

    Returns the ids left out because a newer version of them is already in flight (that
    version goes on; the ledger entry is the same id's).
    """
    if not batch:
        return []
    ids = list(batch)
    with ctx.redis.pipeline(transaction=True) as pipe:
        ctx.staging.put_versions(batch, pipe)
        ctx.ledger.accept(batch, pipe, time.time())
        ctx.stats.add("accepted", len(batch), pipe)
        older = {ids[int(n) - 1] for n in pipe.execute()[0]}
    # Before anyone hears "accepted": on a replica too, when Sentinel may promote one. Short
    # of that, the batch stays in the ledger (the sweeper sends it on) and the producer,
    # told to retry, sends the same ids again: stored once all the same.
    replication.confirm(ctx.redis, ctx.ack_replicas, ctx.ack_timeout_ms)
    fresh = [i for i in ids if i not in older]
    if fresh:
        ctx.dispatch(ENTRY[ctx.topology].name, uuid.uuid4().hex, fresh)
    return [i for i in ids if i in older]
