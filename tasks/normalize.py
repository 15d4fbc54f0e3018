"""Stage 1: clean text, entities, language."""

from __future__ import annotations

from typing import Any

from escucha.normalize import normalize as normalize_mention
from escucha.pipeline import per_item
from tasks.batch import STAGE_TASK_OPTIONS, run
from workers.app import app

transform = per_item(normalize_mention)


@app.task(name="escucha.normalize", **STAGE_TASK_OPTIONS)
def normalize(self: Any, batch_id: str, ids: list[str]) -> None:
    run("normalize", batch_id, ids, transform)
