"""Normalize, analyze and triage in one task: one read, one write, no hops between them."""

from __future__ import annotations

from typing import Any

from escucha.pipeline.batch import Step
from escucha.pipeline.stages import FUSED, STAGES
from tasks import analyze, normalize, triage
from tasks.batch import STAGE_TASK_OPTIONS, run_steps
from workers.app import app

# Each stage stays its own module; this task only runs their transforms in the registry's order.
TRANSFORMS = {"normalize": normalize.transform, "analyze": analyze.transform,
              "triage": triage.transform}  # fmt: skip
STEPS = tuple(Step(STAGES[name], TRANSFORMS[name]) for name in FUSED.steps)


@app.task(name="escucha.fused", **STAGE_TASK_OPTIONS)
def fused(self: Any, batch_id: str, ids: list[str]) -> None:
    run_steps("fused", batch_id, ids, STEPS)
