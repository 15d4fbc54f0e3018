"""Stage 4: upsert into the system of record (skipping mentions deleted upstream meanwhile)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from escucha.core.models import TriagedMention
from escucha.core.outcomes import Outcome
from escucha.pipeline.deletion import Tombstones
from escucha.store.persist import save_isolating_failures
from tasks.batch import STAGE_TASK_OPTIONS, run
from workers.app import app
from workers.resources import context, store


def save(mentions: list[TriagedMention]) -> Sequence[Outcome]:
    buried = Tombstones(context().redis).buried([m.id for m in mentions])
    kept = iter(save_isolating_failures(store(), [m for m in mentions if m.id not in buried]))
    # A buried mention is done without being stored; outcomes keep the batch's order.
    return [m if m.id in buried else next(kept) for m in mentions]


@app.task(name="escucha.persist", **STAGE_TASK_OPTIONS)
def persist(self: Any, batch_id: str, ids: list[str]) -> None:
    run("persist", batch_id, ids, save)
