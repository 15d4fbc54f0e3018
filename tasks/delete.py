"""Deletes from upstream: remove from the store and tell downstream consumers."""

from __future__ import annotations

from typing import Any

from escucha.pipeline.deletion import apply_deletes
from tasks.batch import STAGE_TASK_OPTIONS
from workers.app import app
from workers.resources import context, store


@app.task(name="escucha.delete", **STAGE_TASK_OPTIONS)
def delete(self: Any, batch_id: str, ids: list[str]) -> int:
    return apply_deletes(context().redis, store(), ids)
