"""Reading stored mentions back: the filters a care team searches by."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from escucha.core.models import Intent, Sentiment, utc_in_range
from escucha.store.schema import MentionRow
from escucha.store.store import Store


@dataclass(frozen=True)
class Position:
    """Where a page ended, in the newest-first order: keyset pagination, stable under inserts."""

    created_at: datetime
    id: str

    def token(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), self.id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def read(cls, token: str) -> Position:
        try:
            padded = token + "=" * (-len(token) % 4)
            created, mention = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if not isinstance(mention, str) or "\x00" in mention:
                raise ValueError("bad id")
            return cls(utc_in_range(datetime.fromisoformat(created)), mention)
        except (ValueError, TypeError) as error:
            raise ValueError("is not a cursor this API gave out") from error


class MentionFilter(BaseModel):
    q: str | None = Field(default=None, max_length=200, description="text contains (any case)")
    source: str | None = Field(default=None, max_length=32)
    sentiment: Sentiment | None = None
    intent: Intent | None = None
    relevant: bool | None = Field(
        default=None, description="about the tenant (true) or noise a search brought (false)"
    )
    since: datetime | None = Field(default=None, description="created at or after")
    until: datetime | None = Field(default=None, description="created before")
    limit: int = Field(default=50, ge=1, le=500)
    collapse: bool = Field(
        default=False,
        description="one mention per near-duplicate cluster (the newest), with cluster_size",
    )
    cursor: str | None = Field(
        default=None, max_length=1000, description="the next page: a previous answer's cursor"
    )

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return utc_in_range(value) if value else None

    @field_validator("q", "source")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        # PostgreSQL refuses NUL in text, and SQLite would cut the search at it.
        if value and "\x00" in value:
            raise ValueError("contains a NUL character")
        return value

    @field_validator("cursor")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        if value:
            Position.read(value)
        return value

    @property
    def after(self) -> Position | None:
        return Position.read(self.cursor) if self.cursor else None


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
    updated_at: datetime | None
    accepted_at: datetime
    stored_at: datetime
    url: str | None
    in_reply_to: str | None
    amplifies: str | None
    inbound: bool
    relevant: bool
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
    topics: list[str] | None = None  # the series it counts in
    cluster_size: int | None = None  # with collapse: how many matching mentions it stands for


def _where(query: Select[Any], tenant: str | None, wanted: MentionFilter) -> Select[Any]:
    if tenant:
        query = query.where(MentionRow.tenant == tenant)
    if wanted.q:
        escaped = wanted.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(MentionRow.text.ilike(f"%{escaped}%", escape="\\"))
    if wanted.source:
        query = query.where(MentionRow.source == wanted.source)
    if wanted.sentiment:
        query = query.where(MentionRow.sentiment == wanted.sentiment.value)
    if wanted.intent:
        query = query.where(MentionRow.intent == wanted.intent.value)
    if wanted.relevant is not None:
        query = query.where(MentionRow.relevant.is_(wanted.relevant))
    if wanted.since:
        query = query.where(MentionRow.created_at >= wanted.since)
    if wanted.until:
        query = query.where(MentionRow.created_at < wanted.until)
    return query


def _after(query: Select[Any], position: Position | None) -> Select[Any]:
    if position is None:
        return query
    return query.where(
        or_(
            MentionRow.created_at < position.created_at,
            and_(MentionRow.created_at == position.created_at, MentionRow.id > position.id),
        )
    )


def next_position(page: list[StoredMention], wanted: MentionFilter) -> Position | None:
    """Where the next page starts, or None when this one was the last."""
    if len(page) < wanted.limit:
        return None
    return Position(page[-1].created_at, page[-1].id)


def find_mentions(store: Store, tenant: str | None, wanted: MentionFilter) -> list[StoredMention]:
    """Newest first; collapsed, a campaign posted 500 times is one row with cluster_size 500."""
    newest_first = (MentionRow.created_at.desc(), MentionRow.id)
    with Session(store.engine) as session:
        if not wanted.collapse:
            query = _after(_where(select(MentionRow), tenant, wanted), wanted.after)
            query = query.order_by(*newest_first).limit(wanted.limit)
            return [StoredMention.model_validate(row) for row in session.scalars(query)]
        cluster = func.coalesce(MentionRow.cluster_id, MentionRow.id)
        ranked = _where(
            select(
                MentionRow.id,
                func.count().over(partition_by=cluster).label("size"),
                func.row_number().over(partition_by=cluster, order_by=newest_first).label("rank"),
            ),
            tenant,
            wanted,
        ).subquery()
        query = (
            select(MentionRow, ranked.c.size)
            .join(ranked, ranked.c.id == MentionRow.id)
            .where(ranked.c.rank == 1)
        )
        query = _after(query, wanted.after).order_by(*newest_first).limit(wanted.limit)
        return [
            StoredMention.model_validate(row).model_copy(update={"cluster_size": size})
            for row, size in session.execute(query)
        ]
