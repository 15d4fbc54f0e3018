"""Re-driving a dead letter: back where it fell out, as if newly accepted there.

Mentions go back into their stage. Whole messages (a task that kept failing, a message the
workers could not read) go back to the queue system through `Republish`.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Protocol

from escucha.core.models import DeadLetter
from escucha.pipeline.context import PipelineContext
from escucha.pipeline.deadletter import INGEST
from escucha.pipeline.ingest import Row, ingest
from escucha.pipeline.stages import STAGES

BROKER = "broker"


class Republish(Protocol):
    def task(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> None: ...

    def message(self, message: dict[str, Any]) -> None: ...


def redrive(ctx: PipelineContext, letter: DeadLetter, republish: Republish | None = None) -> None:
    if letter.stage == INGEST and letter.payload is not None and not letter.payload_truncated:
        ingest(ctx, [Row(json.loads(letter.payload), letter.location)])
        return
    stage = STAGES.get(letter.stage)
    if stage is not None and letter.payload is not None and letter.mention_id is not None:
        with ctx.redis.pipeline(transaction=True) as pipe:
            ctx.staging.put_raw(stage.consumes, letter.mention_id, letter.payload, pipe)
            ctx.ledger.accept([letter.mention_id], pipe, time.time())
            pipe.execute()
        ctx.dispatch(stage.name, f"replay-{uuid.uuid4().hex}", [letter.mention_id])
        return
    if republish is not None and letter.payload is not None and stage is None:
        message = json.loads(letter.payload)
        if letter.stage == BROKER:
            republish.message(message)
        else:
            republish.task(message["task"], message.get("args", []), message.get("kwargs", {}))
        return
    # Nothing left to re-drive from (a record that expired, a refused row kept only in part,
    # which its sender must send again): keep the letter.
    ctx.dead_letters.push([letter.model_copy(update={"attempts": letter.attempts + 1})])
