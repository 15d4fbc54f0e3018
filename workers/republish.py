"""Putting whole messages back on the broker, for `escucha dlq replay`."""

from __future__ import annotations

from typing import Any

from workers.app import app


class CeleryRepublish:
    def task(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        app.send_task(name, args=args, kwargs=kwargs)

    def message(self, message: dict[str, Any]) -> None:
        """The message as it arrived: same body bytes, headers and content type."""
        with app.producer_or_acquire() as producer:
            producer.publish(
                message["body"].encode(),
                exchange=message.get("exchange") or "",
                routing_key=message.get("routing_key") or "",
                content_type=message.get("content_type"),
                content_encoding=message.get("content_encoding") or "utf-8",
                headers=message.get("headers") or {},
                **{
                    k: v
                    for k, v in (message.get("properties") or {}).items()
                    if k in ("correlation_id", "priority")
                },
            )
