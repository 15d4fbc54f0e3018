"""How every stage handles one batch message, without knowing which queue system carries it.

A stage reads the staged record of each id, transforms the batch, writes the outputs and drops
the inputs atomically, dead-letters what failed, and hands the rest to the next stage. Running
the same batch twice changes nothing: ids already moved on are only handed on again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError

from escucha.core import keys
from escucha.core.errors import TRANSIENT_ERRORS
from escucha.core.logs import get_logger
from escucha.core.models import (
    DeadLetter,
)
from escucha.core.outcomes import Transform
from escucha.pipeline import metrics
from escucha.pipeline.context import PipelineContext
from escucha.pipeline.ingest import describe
from escucha.pipeline.stages import Stage
from escucha.pipeline.staging import decode

log = get_logger("escucha.pipeline")


@dataclass
class BatchResult:
    forward: list[str] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)
    done: int = 0


def _error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return f"invalid {error.title}: {describe(error)}"
    return f"{type(error).__name__}: {error}"


def run_batch(
    ctx: PipelineContext, stage: Stage, ids: Sequence[str], transform: Transform
) -> BatchResult:
    result = BatchResult()
    inputs: dict[str, BaseModel] = {}
    payloads: dict[str, bytes] = {}
    missing: list[str] = []
    for mention_id, payload in zip(ids, ctx.staging.load_raw(stage.consumes, ids), strict=True):
        if payload is None:
            missing.append(mention_id)
            continue
        payloads[mention_id] = payload
        record = decode(stage.model, payload)
        if isinstance(record, ValidationError):
            result.dead.append(_letter(stage, mention_id, _error_text(record), payload))
        else:
            inputs[mention_id] = record

    outputs: dict[str, BaseModel] = {}
    for (mention_id, _), outcome in zip(
        inputs.items(), transform(list(inputs.values())), strict=True
    ):
        if isinstance(outcome, Exception):
            letter = _letter(stage, mention_id, _error_text(outcome), payloads[mention_id])
            result.dead.append(letter)
        else:
            outputs[mention_id] = outcome

    with ctx.redis.pipeline(transaction=True) as pipe:
        ctx.staging.advance(stage.consumes, stage.produces, outputs, pipe)
        if stage.next is None:
            ctx.ledger.resolve(list(outputs), pipe)
            ctx.stats.add("stored", len(outputs), pipe)
            now = time.time()
            waited = [now - _accepted_at(m) for m in outputs.values()]
            metrics.STORED_LATENCY.observe(pipe, waited)
        pipe.incrby(metrics.stage_done_key(stage.name), len(outputs))
        pipe.execute()
    ctx.dead_letters.push(
        result.dead, [keys.staged(stage.consumes, x.mention_id or "") for x in result.dead]
    )

    # Ids missing their input were moved on by an earlier delivery that died before handing off.
    already = ctx.staging.existing(stage.produces, missing) if stage.produces else []
    result.forward = [*outputs, *already]
    result.done = len(outputs)
    return result


def _accepted_at(record: BaseModel) -> float:
    accepted = getattr(record, "accepted_at", None)
    return accepted.timestamp() if accepted else time.time()


def _letter(
    stage: Stage, mention_id: str, reason: str, payload: bytes, attempts: int = 1
) -> DeadLetter:
    return DeadLetter(
        stage=stage.name,
        mention_id=mention_id,
        reason=reason,
        attempts=attempts,
        payload=payload.decode("utf-8", errors="replace"),
    )


def deliver(
    ctx: PipelineContext,
    stage: Stage,
    batch_id: str,
    ids: Sequence[str],
    transform: Transform,
    max_deliveries: int,
) -> BatchResult:
    """Run one delivery of a batch message, stopping batches that keep killing their worker.

    Past `max_deliveries`, a batch is split in two and each half sent again, so a poison mention
    ends up alone and is dead-lettered while the rest of its batch goes on.
    """
    started = time.perf_counter()
    attempts = ctx.deliveries.begin(stage.name, batch_id)
    if attempts > 1:
        ctx.stats.add("redelivered", 1)
        log.warning("redelivered", stage=stage.name, batch=batch_id, attempts=attempts)
    try:
        if attempts > max_deliveries:
            return quarantine(ctx, stage, batch_id, ids, attempts)
        result = run_batch(ctx, stage, ids, transform)
        if result.forward and stage.next:
            ctx.dispatch(stage.next, batch_id, result.forward)
        with ctx.redis.pipeline(transaction=False) as pipe:
            metrics.batch_seconds(stage.name).observe(pipe, [time.perf_counter() - started])
            pipe.execute()
        log.info(
            "batch",
            stage=stage.name,
            batch=batch_id,
            size=len(ids),
            done=result.done,
            forwarded=len(result.forward),
            dead=len(result.dead),
            attempts=attempts,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return result
    except TRANSIENT_ERRORS:
        raise
    except Exception as error:  # a bug at batch level: keep the mentions, say why
        log.exception("batch failed", stage=stage.name, batch=batch_id, size=len(ids))
        return dead_letter_batch(ctx, stage, ids, _error_text(error), attempts)
    finally:
        _end_quietly(ctx, stage.name, batch_id)


def _end_quietly(ctx: PipelineContext, stage: str, batch_id: str) -> None:
    # If Redis is away the count just expires; the retry will find Redis or fail again.
    with suppress(*TRANSIENT_ERRORS):
        ctx.deliveries.end(stage, batch_id)


def quarantine(
    ctx: PipelineContext, stage: Stage, batch_id: str, ids: Sequence[str], attempts: int
) -> BatchResult:
    log.error("quarantine", stage=stage.name, batch=batch_id, size=len(ids), attempts=attempts)
    if len(ids) > 1:
        half = len(ids) // 2
        ctx.dispatch(stage.name, f"{batch_id}.a", list(ids[:half]))
        ctx.dispatch(stage.name, f"{batch_id}.b", list(ids[half:]))
        ctx.stats.add("split", 1)
        return BatchResult()
    reason = f"its worker died {attempts - 1} times while {stage.name} processed it"
    return dead_letter_batch(ctx, stage, ids, reason, attempts)


def dead_letter_batch(
    ctx: PipelineContext, stage: Stage, ids: Sequence[str], reason: str, attempts: int
) -> BatchResult:
    payloads = ctx.staging.load_raw(stage.consumes, ids)
    letters = [
        _letter(stage, mention_id, reason, payload, attempts)
        for mention_id, payload in zip(ids, payloads, strict=True)
        if payload is not None
    ]
    ctx.dead_letters.push(
        letters, [keys.staged(stage.consumes, x.mention_id or "") for x in letters]
    )
    return BatchResult(dead=letters)
