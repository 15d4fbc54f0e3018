"""What one upstream delivery asks of escucha: mentions to add or update, and ids to delete."""

from __future__ import annotations

from dataclasses import dataclass, field

from escucha.ingest import Row


@dataclass
class Changes:
    upserts: list[Row] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)  # mention ids
    ignored: int = 0  # events escucha does not act on (likes, hides, account changes)

    def extend(self, other: Changes) -> None:
        self.upserts.extend(other.upserts)
        self.deletes.extend(other.deletes)
        self.ignored += other.ignored
