"""Re-driving a dead letter: back into the stage it fell out of, as if newly accepted there."""

from __future__ import annotations

import json
import time
import uuid

from escucha.context import PipelineContext
from escucha.deadletter import INGEST
from escucha.ingest import Row, ingest
from escucha.models import DeadLetter
from escucha.pipeline import STAGES


def redrive(ctx: PipelineContext, letter: DeadLetter) -> None:
    if letter.stage == INGEST and letter.payload is not None:
        ingest(ctx, [Row(json.loads(letter.payload), letter.location)])
        return
    stage = STAGES.get(letter.stage)
    if stage is None or letter.payload is None or letter.mention_id is None:
        # Nothing left to re-drive from (e.g. a record that expired): keep the letter.
        ctx.dead_letters.push([letter.model_copy(update={"attempts": letter.attempts + 1})])
        return
    with ctx.redis.pipeline(transaction=True) as pipe:
        ctx.staging.put_raw(stage.consumes, letter.mention_id, letter.payload, pipe)
        ctx.ledger.accept([letter.mention_id], pipe, time.time())
        pipe.execute()
    ctx.dispatch(stage.name, f"replay-{uuid.uuid4().hex}", [letter.mention_id])
