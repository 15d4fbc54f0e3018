"""What every stage task shares: options, and running one delivery of a batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from config.settings import get_settings
from escucha.core.errors import TRANSIENT_ERRORS
from escucha.core.outcomes import Transform
from escucha.pipeline.batch import BatchResult, Step, deliver, deliver_steps
from escucha.pipeline.stages import STAGES, TASK_STAGES
from workers.resources import context

STAGE_TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": None,  # infrastructure outages end; the ledger keeps the mentions meanwhile
    "guard_deliveries": False,  # stages count deliveries per batch, and split poison batches
}


def run(stage: str, batch_id: str, ids: list[str], transform: Transform) -> BatchResult:
    return deliver(
        context(), STAGES[stage], batch_id, ids, transform, get_settings().pipeline.max_deliveries
    )


def run_steps(stage: str, batch_id: str, ids: list[str], steps: Sequence[Step]) -> BatchResult:
    """One delivery of a stage that runs other stages' transforms in turn (the fused one)."""
    max_deliveries = get_settings().pipeline.max_deliveries
    return deliver_steps(context(), TASK_STAGES[stage], batch_id, ids, steps, max_deliveries)
