"""Stage 1: clean text, entities, language, near-duplicate cluster."""

from __future__ import annotations

from typing import Any

from escucha.core.models import NormalizedMention
from escucha.core.outcomes import Outcome, per_item
from escucha.nlp.normalize import normalize as normalize_mention
from escucha.pipeline.near_duplicates import assign_clusters
from tasks.batch import STAGE_TASK_OPTIONS, run
from workers.app import app
from workers.resources import context

normalize_each = per_item(normalize_mention)


def transform(records: list[Any]) -> list[Outcome]:
    outcomes = list(normalize_each(records))
    assign_clusters(context().redis, [o for o in outcomes if isinstance(o, NormalizedMention)])
    return outcomes


@app.task(name="escucha.normalize", **STAGE_TASK_OPTIONS)
def normalize(self: Any, batch_id: str, ids: list[str]) -> None:
    run("normalize", batch_id, ids, transform)
