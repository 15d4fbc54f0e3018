"""Process-wide settings for the interpreter in workers and benchmarks."""

from __future__ import annotations

import gc

# CPython collects its youngest generation every 700 new container objects. A stage makes
# several per mention (pydantic models, lists, dicts), none of them cyclic, so the default
# spends about a third of a stage's time in the collector; measured in escucha bench.
GEN0_THRESHOLD = 50_000


def tune_gc() -> None:
    """Collect less often, and stop scanning what is already loaded (models, modules)."""
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
