"""One alert, whatever it is about and wherever it goes: what it says, and its JSON forms."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

LANGUAGES = ("es", "en")


@dataclass(frozen=True)
class Alert:
    """`id` is stable for the same news: a retry, or a second fan-out, carries the same one."""

    id: str
    tenant: str
    event: str  # "incident.opened", "sla.breached", ...: the Standard Webhooks `type`
    title: str
    summary: str
    details: tuple[str, ...]
    link: str | None
    occurred_at: datetime
    language: str
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.occurred_at.utcoffset() is None:
            raise ValueError("occurred_at must be timezone-aware")
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {self.language!r}")
        # Frozen: normalise through object.__setattr__ so every alert holds UTC and a tuple.
        object.__setattr__(self, "occurred_at", self.occurred_at.astimezone(UTC))
        object.__setattr__(self, "details", tuple(self.details))

    def payload(self) -> dict[str, Any]:
        """The body a webhook receives, in Standard Webhooks' shape: type, timestamp, data."""
        return {
            "type": self.event,
            "timestamp": self.occurred_at.isoformat(),
            # The alert's own fields last: an event's data never overwrites them.
            "data": {
                **self.data,
                "alert_id": self.id,
                "tenant": self.tenant,
                "title": self.title,
                "summary": self.summary,
                "details": list(self.details),
                "link": self.link,
            },
        }

    def as_json(self) -> dict[str, Any]:
        """Every field as JSON values, for the outbox's JSON column; `from_payload` reverses it."""
        return {
            "id": self.id,
            "tenant": self.tenant,
            "event": self.event,
            "title": self.title,
            "summary": self.summary,
            "details": list(self.details),
            "link": self.link,
            "occurred_at": self.occurred_at.isoformat(),
            "language": self.language,
            # Through json once, so what is stored is exactly what comes back.
            "data": json.loads(json.dumps(self.data)),
        }

    @classmethod
    def from_payload(cls, stored: Mapping[str, Any]) -> Alert:
        """The alert `as_json` wrote down; ValueError when a field is missing or malformed."""
        try:
            return cls(
                id=str(stored["id"]),
                tenant=str(stored["tenant"]),
                event=str(stored["event"]),
                title=str(stored["title"]),
                summary=str(stored["summary"]),
                details=tuple(str(line) for line in stored["details"]),
                link=None if stored["link"] is None else str(stored["link"]),
                occurred_at=datetime.fromisoformat(str(stored["occurred_at"])),
                language=str(stored["language"]),
                data=dict(stored.get("data") or {}),
            )
        except KeyError as missing:
            raise ValueError(f"a stored alert lacks {missing}") from None
