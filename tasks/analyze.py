"""Stage 2: sentiment, intent, complaint, offensive, for the whole batch at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from escucha.core.models import NormalizedMention
from escucha.core.outcomes import Outcome
from escucha.nlp.batch import analyze_mentions
from tasks.batch import STAGE_TASK_OPTIONS, run
from workers.app import app
from workers.resources import analyzer


def transform(mentions: list[NormalizedMention]) -> Sequence[Outcome]:
    return analyze_mentions(analyzer(), mentions)


@app.task(name="escucha.analyze", **STAGE_TASK_OPTIONS)
def analyze(self: Any, batch_id: str, ids: list[str]) -> None:
    run("analyze", batch_id, ids, transform)
