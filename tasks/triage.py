"""Stage 3: priority with reasons, case key."""

from __future__ import annotations

from typing import Any

from escucha.care.triage import triage as triage_mention
from escucha.core.models import AnalyzedMention, TriagedMention
from escucha.core.outcomes import per_item
from tasks.batch import STAGE_TASK_OPTIONS, run
from workers.app import app
from workers.resources import tenants


def triage_one(mention: AnalyzedMention) -> TriagedMention:
    return triage_mention(mention, tenants().get(mention.tenant))


transform = per_item(triage_one)


@app.task(name="escucha.triage", **STAGE_TASK_OPTIONS)
def triage(self: Any, batch_id: str, ids: list[str]) -> None:
    run("triage", batch_id, ids, transform)
