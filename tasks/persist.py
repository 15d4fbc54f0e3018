"""Stage 4: upsert into the system of record."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from escucha.models import TriagedMention
from escucha.pipeline import Outcome
from escucha.storage.persist import save_isolating_failures
from tasks.batch import STAGE_TASK_OPTIONS, run
from workers.app import app
from workers.resources import store


def save(mentions: list[TriagedMention]) -> Sequence[Outcome]:
    return save_isolating_failures(store(), mentions)


@app.task(name="escucha.persist", **STAGE_TASK_OPTIONS)
def persist(self: Any, batch_id: str, ids: list[str]) -> None:
    run("persist", batch_id, ids, save)
