"""Reading stored mentions back: the filters a care team searches by."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from escucha.models import Intent, Sentiment, as_utc
from escucha.storage.schema import MentionRow
from escucha.storage.store import Store


class MentionFilter(BaseModel):
    tenant: str | None = None
    q: str | None = Field(default=None, max_length=200, description="text contains (any case)")
    source: str | None = None
    sentiment: Sentiment | None = None
    intent: Intent | None = None
    since: datetime | None = Field(default=None, description="created at or after")
    until: datetime | None = Field(default=None, description="created before")
    limit: int = Field(default=50, ge=1, le=500)
    collapse: bool = Field(
        default=False,
        description="one mention per near-duplicate cluster (the newest), with cluster_size",
    )

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return as_utc(value) if value else None


class StoredMention(BaseModel):
    """A mention as stored, with its analysis and triage."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    tenant: str
    source: str
    external_id: str
    author: str
    author_followers: int | None
    created_at: datetime
    accepted_at: datetime
    stored_at: datetime
    url: str | None
    in_reply_to: str | None
    inbound: bool
    text: str
    lang: str
    sentiment: Sentiment
    sentiment_score: float
    intent: Intent
    complaint: bool
    offensive: bool
    priority: int
    priority_label: str
    reasons: list[str]
    case_id: str | None
    cluster_id: str | None
    cluster_size: int | None = None  # with collapse: how many matching mentions it stands for


def _where(query: Select[Any], wanted: MentionFilter) -> Select[Any]:
    if wanted.tenant:
        query = query.where(MentionRow.tenant == wanted.tenant)
    if wanted.q:
        escaped = wanted.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(MentionRow.text.ilike(f"%{escaped}%", escape="\\"))
    if wanted.source:
        query = query.where(MentionRow.source == wanted.source)
    if wanted.sentiment:
        query = query.where(MentionRow.sentiment == wanted.sentiment.value)
    if wanted.intent:
        query = query.where(MentionRow.intent == wanted.intent.value)
    if wanted.since:
        query = query.where(MentionRow.created_at >= wanted.since)
    if wanted.until:
        query = query.where(MentionRow.created_at < wanted.until)
    return query


def find_mentions(store: Store, wanted: MentionFilter) -> list[StoredMention]:
    """Newest first; collapsed, a campaign posted 500 times is one row with cluster_size 500."""
    newest_first = (MentionRow.created_at.desc(), MentionRow.id)
    with Session(store.engine) as session:
        if not wanted.collapse:
            query = _where(select(MentionRow), wanted).order_by(*newest_first).limit(wanted.limit)
            return [StoredMention.model_validate(row) for row in session.scalars(query)]
        cluster = func.coalesce(MentionRow.cluster_id, MentionRow.id)
        ranked = _where(
            select(
                MentionRow.id,
                func.count().over(partition_by=cluster).label("size"),
                func.row_number().over(partition_by=cluster, order_by=newest_first).label("rank"),
            ),
            wanted,
        ).subquery()
        query = (
            select(MentionRow, ranked.c.size)
            .join(ranked, ranked.c.id == MentionRow.id)
            .where(ranked.c.rank == 1)
            .order_by(*newest_first)
            .limit(wanted.limit)
        )
        return [
            StoredMention.model_validate(row).model_copy(update={"cluster_size": size})
            for row, size in session.execute(query)
        ]
