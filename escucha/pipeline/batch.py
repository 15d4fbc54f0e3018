"""How every stage handles one batch message, without knowing which queue system carries it.

A stage reads the staged record of each id, transforms the batch, writes the outputs and drops
the inputs atomically, dead-letters what failed, and hands the rest to the next stage. Running
the same batch twice changes nothing: ids already moved on are only handed on again. A fused
stage does the same with several stages' transforms run in turn on the batch it read.
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
from escucha.pipeline.stages import STAGE_CONSUMING, Stage
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


@dataclass(frozen=True)
class Step:
    """One stage's transform in a delivery: alone (split), or in turn with others (fused)."""

    stage: Stage
    transform: Transform


def run_batch(
    ctx: PipelineContext, stage: Stage, ids: Sequence[str], transform: Transform
) -> BatchResult:
    return run_steps(ctx, stage, ids, [Step(stage, transform)])


def run_steps(
    ctx: PipelineContext, stage: Stage, ids: Sequence[str], steps: Sequence[Step]
) -> BatchResult:
    """Read `stage.consumes` once, run each step on what the one before produced, and write
    only the last one's records: a fused stage skips the hops, and each step's failures are
    dead-lettered under its own name with its own input, as split stages would."""
    result = BatchResult()
    payloads: dict[str, bytes] = {}
    missing: list[str] = []
    for mention_id, payload in zip(ids, ctx.staging.load_raw(stage.consumes, ids), strict=True):
        if payload is None:
            missing.append(mention_id)
        else:
            payloads[mention_id] = payload
    records = _decoded(steps[0].stage, payloads, result)
    done: dict[str, int] = {}
    for n, step in enumerate(steps):
        records = _transformed(step, records, payloads if n == 0 else None, result)
        done[step.stage.name] = len(records)
    outputs = records

    with ctx.redis.pipeline(transaction=True) as pipe:
        ctx.staging.advance(stage.consumes, stage.produces, outputs, pipe)
        if stage.next is None:
            ctx.ledger.resolve(list(outputs), pipe)
            ctx.stats.add("stored", len(outputs), pipe)
            now = time.time()
            waited = [now - _accepted_at(m) for m in outputs.values()]
            metrics.STORED_LATENCY.observe(pipe, waited)
        for name, count in done.items():
            pipe.incrby(metrics.stage_done_key(name), count)
        pipe.execute()
    ctx.dead_letters.push(
        result.dead, [keys.staged(stage.consumes, x.mention_id or "") for x in result.dead]
    )

    # Ids missing their input were moved on by an earlier delivery that died before handing off.
    already = ctx.staging.existing(stage.produces, missing) if stage.produces else []
    result.forward = [*outputs, *already]
    result.done = len(outputs)
    return result


def _decoded(stage: Stage, payloads: dict[str, bytes], result: BatchResult) -> dict[str, BaseModel]:
    records: dict[str, BaseModel] = {}
    for mention_id, payload in payloads.items():
        record = decode(stage.model, payload)
        if isinstance(record, ValidationError):
            result.dead.append(_letter(stage.name, mention_id, _error_text(record), payload))
        else:
            records[mention_id] = record
    return records


def _transformed(
    step: Step,
    inputs: dict[str, BaseModel],
    payloads: dict[str, bytes] | None,
    result: BatchResult,
) -> dict[str, BaseModel]:
    """The step's outputs by id; a failed record is lettered with the bytes it came in as
    (`payloads`), or, inside a fused stage, as its split stage would have read it."""
    outputs: dict[str, BaseModel] = {}
    outcomes = step.transform(list(inputs.values()))
    for (mention_id, record), outcome in zip(inputs.items(), outcomes, strict=True):
        if isinstance(outcome, Exception):
            payload = (
                payloads[mention_id] if payloads is not None else record.model_dump_json().encode()
            )
            letter = _letter(step.stage.name, mention_id, _error_text(outcome), payload)
            result.dead.append(letter)
        else:
            outputs[mention_id] = outcome
    return outputs


def _accepted_at(record: BaseModel) -> float:
    accepted = getattr(record, "accepted_at", None)
    return accepted.timestamp() if accepted else time.time()


def _letter(
    stage: str, mention_id: str, reason: str, payload: bytes, attempts: int = 1
) -> DeadLetter:
    return DeadLetter(
        stage=stage,
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
    """Run one delivery of a batch message to one stage (see `deliver_steps`)."""
    return deliver_steps(ctx, stage, batch_id, ids, [Step(stage, transform)], max_deliveries)


def deliver_steps(
    ctx: PipelineContext,
    stage: Stage,
    batch_id: str,
    ids: Sequence[str],
    steps: Sequence[Step],
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
        result = run_steps(ctx, stage, ids, steps)
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
    """Letter the whole batch under the split stage that reads its records (the fused stage's
    under normalize), so a replay re-drives them in either topology."""
    payloads = ctx.staging.load_raw(stage.consumes, ids)
    filed = STAGE_CONSUMING[stage.consumes]
    letters = [
        _letter(filed, mention_id, reason, payload, attempts)
        for mention_id, payload in zip(ids, payloads, strict=True)
        if payload is not None
    ]
    ctx.dead_letters.push(
        letters, [keys.staged(stage.consumes, x.mention_id or "") for x in letters]
    )
    return BatchResult(dead=letters)
