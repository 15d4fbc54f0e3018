"""Stage 4: upsert into the system of record (skipping mentions deleted upstream meanwhile)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kombu.exceptions import OperationalError

from escucha.core.logs import get_logger
from escucha.core.models import TriagedMention
from escucha.core.outcomes import Outcome
from escucha.pipeline.deletion import Tombstones
from escucha.store.persist import save_isolating_failures
from tasks.batch import STAGE_TASK_OPTIONS, run
from workers.app import app
from workers.resources import context, store

log = get_logger("escucha.persist")


def save(mentions: list[TriagedMention]) -> Sequence[Outcome]:
    buried = Tombstones(context().redis).buried([m.id for m in mentions])
    saved = save_isolating_failures(store(), [m for m in mentions if m.id not in buried])
    _project_cases(saved)
    kept = iter(saved)
    # A buried mention is done without being stored; outcomes keep the batch's order.
    return [m if m.id in buried else next(kept) for m in mentions]


def _project_cases(saved: Sequence[Outcome]) -> None:
    """Bring the touched cases up to date; if this fails, they stay marked for the sweep."""
    touched = sorted({o.triage.case_key for o in saved
                      if isinstance(o, TriagedMention) and o.triage.case_key})  # fmt: skip
    if not touched:
        return
    try:
        app.send_task("escucha.care.check", args=[touched])
    except OperationalError:
        log.warning("cases left for the sweep", cases=len(touched))


@app.task(name="escucha.persist", **STAGE_TASK_OPTIONS)
def persist(self: Any, batch_id: str, ids: list[str]) -> None:
    run("persist", batch_id, ids, save)
