"""What one upstream delivery asks of escucha: mentions to add or update, and ids to delete."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from escucha.channels.sources.envelope import refused
from escucha.pipeline.ingest import Row


@dataclass
class Changes:
    upserts: list[Row] = field(default_factory=list)  # rows with a `problem` are refusals
    deletes: list[str] = field(default_factory=list)  # mention ids, each of its tenant
    ignored: int = 0  # events escucha does not act on (likes, hides, account changes)
    unmapped: set[str] = field(default_factory=set)  # accounts no tenant owns

    def extend(self, other: Changes) -> None:
        self.upserts.extend(other.upserts)
        self.deletes.extend(other.deletes)
        self.ignored += other.ignored
        self.unmapped |= other.unmapped

    def refuse(self, value: Any, location: str, reason: str, tenant: str | None = None) -> None:
        self.upserts.append(refused(value, location, reason, tenant))

    @property
    def items(self) -> int:
        return len(self.upserts) + len(self.deletes)
