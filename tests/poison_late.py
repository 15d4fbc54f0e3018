"""A task only a later deploy registers: messages naming it before then are unknown."""

from __future__ import annotations

from tests.poison_tasks import DONE
from workers.app import app
from workers.resources import context


@app.task(name="escucha.poison.late")
def late(n: int) -> None:
    context().redis.sadd(DONE, f"late:{n}")
