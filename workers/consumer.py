"""A Celery consumer that dead-letters messages it cannot run, where Celery would drop them.

Celery logs and acknowledges an undecodable body, and rejects a message naming an unknown
task: either way the message is gone. Here each first goes to the 'broker' dead-letter list
with its reason and enough of the message to re-drive it after a fix.
"""

from __future__ import annotations

import json
from typing import Any

from celery.worker.consumer import Consumer

from escucha.core.models import DeadLetter
from escucha.pipeline.replay import BROKER


def _describe(message: Any) -> dict[str, Any]:
    body = message.body
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body)
    info = message.delivery_info or {}
    return {
        "task": (message.headers or {}).get("task"),
        "headers": message.headers or {},
        "properties": {k: v for k, v in (message.properties or {}).items() if k != "delivery_info"},
        "content_type": message.content_type,
        "content_encoding": message.content_encoding,
        "routing_key": info.get("routing_key"),
        "exchange": info.get("exchange"),
        "body": text,
    }


def bury_message(message: Any, reason: str) -> None:
    from workers.resources import context

    payload = json.dumps(_describe(message), default=str)
    context().dead_letters.push([DeadLetter(stage=BROKER, reason=reason, payload=payload)])


class DeadLetteringConsumer(Consumer):
    def on_decode_error(self, message: Any, exc: Exception) -> None:
        bury_message(message, f"undecodable message body ({message.content_type}): {exc}")
        super().on_decode_error(message, exc)

    def on_unknown_message(self, body: Any, message: Any) -> None:
        bury_message(message, "not a task message: it names no task")
        super().on_unknown_message(body, message)

    def on_unknown_task(self, body: Any, message: Any, exc: Exception) -> None:
        name = (message.headers or {}).get("task")
        bury_message(message, f"unknown task {name!r}: no worker registers it")
        super().on_unknown_task(body, message, exc)

    def on_invalid_task(self, body: Any, message: Any, exc: Exception) -> None:
        bury_message(message, f"invalid task message: {exc}")
        super().on_invalid_task(body, message, exc)
