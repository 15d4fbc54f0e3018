"""The base of every escucha task: a message that keeps failing, or keeps killing its worker,
ends in a dead-letter list with its reason instead of looping forever.

Deliveries are counted per task id in Redis. A crash never ends a delivery, so the count also
climbs for messages whose worker died; past `max_deliveries` the message is buried unrun.
Stage tasks opt out: they count per batch and split a bad batch down to the poison mention.
"""

from __future__ import annotations

import json
from typing import Any

from celery import Task

from config.settings import get_settings
from escucha.core.models import DeadLetter


class GuardedTask(Task):
    guard_deliveries = True

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.guard_deliveries or self.request.called_directly:
            return super().__call__(*args, **kwargs)
        from workers.resources import context

        ctx, limit = context(), get_settings().pipeline.max_deliveries
        attempts = ctx.deliveries.begin(f"task:{self.name}", self.request.id)
        if attempts > limit:
            self._bury(
                f"its worker died {attempts - 1} times while running it", args, kwargs, attempts
            )
            return None
        try:
            result = super().__call__(*args, **kwargs)
        except Exception as error:
            if attempts >= limit:
                self._bury(f"{type(error).__name__}: {error}", args, kwargs, attempts)
                return None
            # Same task id on the retry, so the count goes on across failures and crashes.
            raise self.retry(exc=error, countdown=min(60, 2**attempts), max_retries=None) from error
        ctx.deliveries.end(f"task:{self.name}", self.request.id)
        return result

    def _bury(self, reason: str, args: Any, kwargs: Any, attempts: int) -> None:
        from workers.resources import context

        payload = json.dumps({"task": self.name, "args": list(args), "kwargs": kwargs}, default=str)
        letter = DeadLetter(stage=self.name, reason=reason, attempts=attempts, payload=payload)
        context().dead_letters.push([letter])
        context().deliveries.end(f"task:{self.name}", self.request.id)
