"""Re-publishing accepted mentions that outlived their deadline, from the record they still have."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from escucha.core.models import DeadLetter
from escucha.pipeline.context import PipelineContext
from escucha.pipeline.stages import STAGE_CONSUMING, next_stage


@dataclass
class SweepReport:
    republished: int = 0
    dead_lettered: int = 0
    deferred: int = 0  # overdue, but behind a backlog: their messages are most likely queued


def sweep(
    ctx: PipelineContext,
    deadline_s: float,
    max_sweeps: int,
    backlog: Callable[[], int] = lambda: 0,
) -> SweepReport:
    """Re-publish overdue mentions; dead-letter those re-published `max_sweeps` times.

    Behind a backlog (messages waiting in the stage queues) an overdue mention is most likely
    waiting its turn, and re-publishing it would only add work to the backlog: its deadline
    restarts and nothing is sent. Once the queues drain, what is still overdue is re-published.
    A sweep costs a few Redis calls per thousand overdue ids, whatever the backlog.
    """
    report = SweepReport()
    overdue = ctx.ledger.overdue(deadline_s)
    if not overdue:
        return report
    if backlog() > 0:
        ctx.ledger.mark_swept(overdue, counted=False)
        report.deferred = len(overdue)
        return report
    sweeps = ctx.ledger.mark_swept(overdue)
    by_stage: dict[str, list[str]] = defaultdict(list)
    letters: list[DeadLetter] = []
    for mention_id, kind in zip(overdue, ctx.staging.furthest_kinds(overdue), strict=True):
        if kind is None:
            reason = "accepted, but its staged record is gone (expired or deleted) before storing"
            letters.append(DeadLetter(stage="sweeper", mention_id=mention_id, reason=reason))
        elif sweeps[mention_id] > max_sweeps:
            stage = STAGE_CONSUMING[kind]
            reason = f"not stored after {max_sweeps} re-publications; stuck before {stage}"
            payload = ctx.staging.load_raw(kind, [mention_id])[0]
            text = payload.decode("utf-8", errors="replace") if payload else None
            letters.append(
                DeadLetter(
                    stage=stage,
                    mention_id=mention_id,
                    reason=reason,
                    attempts=sweeps[mention_id],
                    payload=text,
                )
            )
        else:
            by_stage[next_stage(kind, ctx.topology)].append(mention_id)
    for stage, ids in by_stage.items():
        for start in range(0, len(ids), ctx.batch_size):
            ctx.dispatch(stage, f"sweep-{uuid.uuid4().hex}", ids[start : start + ctx.batch_size])
            report.republished += len(ids[start : start + ctx.batch_size])
    letters = _still_pending(ctx, letters)
    ctx.dead_letters.push(letters)
    report.dead_lettered = len(letters)
    ctx.stats.add("swept", report.republished)
    return report


def _still_pending(ctx: PipelineContext, letters: list[DeadLetter]) -> list[DeadLetter]:
    """Drop letters for mentions stored meanwhile: persist removes the record and the ledger
    entry together, so a record that vanished after the ledger was read means 'just stored'."""
    pending = ctx.ledger.still_pending([letter.mention_id or "" for letter in letters])
    return [letter for letter in letters if letter.mention_id in pending]
