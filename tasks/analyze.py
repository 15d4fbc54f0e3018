"""Stage 2: sentiment, intent, complaint, offensive."""

from __future__ import annotations

from typing import Any

from escucha.models import AnalyzedMention, NormalizedMention
from escucha.pipeline import per_item
from tasks.batch import STAGE_TASK_OPTIONS, run
from workers.app import app
from workers.resources import analyzer


def analyze_one(mention: NormalizedMention) -> AnalyzedMention:
    analysis = analyzer().analyze(mention.clean_text, mention.lang)
    return AnalyzedMention(**mention.model_dump(), analysis=analysis)


transform = per_item(analyze_one)


@app.task(name="escucha.analyze", **STAGE_TASK_OPTIONS)
def analyze(self: Any, batch_id: str, ids: list[str]) -> None:
    run("analyze", batch_id, ids, transform)
