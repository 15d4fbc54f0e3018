"""Tasks that misbehave until 'fixed' (a flag in Redis), loaded into test workers as a plug-in."""

from __future__ import annotations

import os

from workers.app import app
from workers.resources import context

FIXED = "escucha:test:fixed"
DONE = "escucha:test:done"


def _fixed() -> bool:
    return bool(context().redis.exists(FIXED))


@app.task(name="escucha.poison.raises")
def raises(n: int) -> None:
    if not _fixed():
        raise ValueError(f"cannot handle item {n} yet")
    context().redis.sadd(DONE, f"raises:{n}")


@app.task(name="escucha.poison.kills")
def kills(n: int) -> None:
    if not _fixed():
        os._exit(1)  # as a segfault in a C extension would
    context().redis.sadd(DONE, f"kills:{n}")
