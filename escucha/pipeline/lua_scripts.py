"""The Lua scripts escucha runs inside Redis, read once from the package's `lua/` folder."""

from __future__ import annotations

from functools import cache
from importlib import resources

import redis
from redis.commands.core import Script


@cache
def source(name: str) -> str:
    return (resources.files("escucha") / "lua" / f"{name}.lua").read_text()


def script(client: redis.Redis, name: str) -> Script:
    """A callable script; run on a pipeline, redis-py loads it first if Redis lacks it."""
    return client.register_script(source(name))
