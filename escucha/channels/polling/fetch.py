"""What one poll brings back."""

from __future__ import annotations

from dataclasses import dataclass, field

from escucha.pipeline.ingest import Row


@dataclass
class Fetched:
    rows: list[Row]
    cursor: dict[str, str | None]  # fields to store once the rows are safely ingested
    item_ids: list[str] = field(default_factory=list)  # for seen-item dedup (feeds)
    retry_at: float | None = None  # the platform's rate limit says: not before this time
