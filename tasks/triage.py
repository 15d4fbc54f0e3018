"""Stage 3: priority with reasons, case key."""

from __future__ import annotations

from typing import Any

from escucha.models import AnalyzedMention, TriagedMention
from escucha.pipeline import per_item
from escucha.triage import triage as triage_mention
from tasks.batch import STAGE_TASK_OPTIONS, run
from workers.app import app
from workers.resources import tenant


def triage_one(mention: AnalyzedMention) -> TriagedMention:
    return triage_mention(mention, tenant())


transform = per_item(triage_one)


@app.task(name="escucha.triage", **STAGE_TASK_OPTIONS)
def triage(self: Any, batch_id: str, ids: list[str]) -> None:
    run("triage", batch_id, ids, transform)
