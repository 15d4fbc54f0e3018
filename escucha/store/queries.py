"""Reading stored mentions back: the filters a care team searches by."""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from escucha.core.models import Intent, Sentiment, utc_in_range
from escucha.store import search
from escucha.store.schema import MentionRow
from escucha.store.store import Store


def _encode(value: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _mention_id(value: object) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("bad id")
    return value


@dataclass(frozen=True)
class Position:
    """Where a page ended, in the newest-first order: keyset pagination, stable under inserts."""

    created_at: datetime
    id: str

    def token(self) -> str:
        return _encode([self.created_at.isoformat(), self.id])


@dataclass(frozen=True)
class RankedPosition:
    """Where a page ended in relevance order (rank descending, then id): keyset as well.

    Stable while the matching mentions are; on SQLite bm25() weighs a word by how rare it is
    in the whole index, so heavy writes between two pages can move ranks and repeat or skip a
    row near the boundary. PostgreSQL's ts_rank depends on the mention alone.
    """

    rank: float
    id: str

    def token(self) -> str:
        return _encode(["relevance", self.rank, self.id])


def read_position(token: str) -> Position | RankedPosition:
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if isinstance(value, list) and len(value) == 3 and value[0] == "relevance":
            rank = value[1]
            if isinstance(rank, bool) or not isinstance(rank, int | float):
                raise ValueError("bad rank")
            if not math.isfinite(rank):
                raise ValueError("bad rank")
            return RankedPosition(float(rank), _mention_id(value[2]))
        created, mention = value
        return Position(utc_in_range(datetime.fromisoformat(created)), _mention_id(mention))
    except (ValueError, TypeError) as error:
        raise ValueError("is not a cursor this API gave out") from error


class MentionFilter(BaseModel):
    q: str | None = Field(
        default=None,
        max_length=200,
        description="words the text contains, all of them (any case, accents ignored)",
    )
    sort: Literal["newest", "relevance"] = Field(
        default="newest",
        description="newest first, or with q, the best matches first (newest first without q)",
    )
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
            read_position(value)
        return value

    @model_validator(mode="after")
    def _cursor_of_this_order(self) -> MentionFilter:
        if self.cursor and isinstance(read_position(self.cursor), RankedPosition) != self.ranked:
            raise ValueError("cursor is from a search in another order")
        return self

    @property
    def ranked(self) -> bool:
        """In relevance order: asked for, and with words to rank by."""
        return self.sort == "relevance" and bool(self.q)

    @property
    def after(self) -> Position | RankedPosition | None:
        return read_position(self.cursor) if self.cursor else None


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
    _rank: float | None = PrivateAttr(default=None)  # with sort=relevance: the cursor's key

    def ranked(self, rank: float) -> StoredMention:
        self._rank = rank
        return self


def _where(
    query: Select[Any], dialect: str, tenant: str | None, wanted: MentionFilter
) -> Select[Any]:
    if tenant:
        query = query.where(MentionRow.tenant == tenant)
    if wanted.q:
        if dialect == "sqlite":
            keys, index = search.keys_table, search.search_table
            query = (
                query.join(keys, keys.c.id == MentionRow.id)
                .join(index, index.c.rowid == keys.c.key)
                .where(search.sqlite_match(wanted.q))
            )
        else:
            query = query.where(search.postgres_match(wanted.q))
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


def _rank(dialect: str, q: str) -> ColumnElement[Any]:
    """How well a mention matches `q`, higher better; only inside a query `_where` searched."""
    if dialect == "sqlite":
        return search.sqlite_rank()
    return search.postgres_rank(q)


def _page(
    query: Select[Any], wanted: MentionFilter, rank: ColumnElement[Any] | None
) -> Select[Any]:
    """Past the cursor, in the page's order, one page long."""
    position = wanted.after
    if rank is None:
        if isinstance(position, Position):
            query = query.where(
                or_(
                    MentionRow.created_at < position.created_at,
                    and_(
                        MentionRow.created_at == position.created_at,
                        MentionRow.id > position.id,
                    ),
                )
            )
        order = (MentionRow.created_at.desc(), MentionRow.id)
    else:
        if isinstance(position, RankedPosition):
            query = query.where(
                or_(rank < position.rank, and_(rank == position.rank, MentionRow.id > position.id))
            )
        order = (rank.desc(), MentionRow.id)
    return query.order_by(*order).limit(wanted.limit)


def next_position(
    page: list[StoredMention], wanted: MentionFilter
) -> Position | RankedPosition | None:
    """Where the next page starts, or None when this one was the last."""
    if len(page) < wanted.limit:
        return None
    last = page[-1]
    if wanted.ranked and last._rank is not None:
        return RankedPosition(last._rank, last.id)
    return Position(last.created_at, last.id)


def find_mentions(store: Store, tenant: str | None, wanted: MentionFilter) -> list[StoredMention]:
    """Newest first, or best match first (sort=relevance); keyset-paged either way.

    Collapsed, a campaign posted 500 times is one row (its newest) with cluster_size 500.
    """
    if wanted.q and not search.terms(wanted.q):
        return []  # nothing that could be a word: punctuation, emoji
    dialect = store.engine.dialect.name
    rank = _rank(dialect, wanted.q) if wanted.ranked and wanted.q else None
    newest_first = (MentionRow.created_at.desc(), MentionRow.id)
    with Session(store.engine) as session:
        if not wanted.collapse:
            if rank is None:
                query = _page(_where(select(MentionRow), dialect, tenant, wanted), wanted, None)
                return [StoredMention.model_validate(row) for row in session.scalars(query)]
            query = select(MentionRow, rank.label("search_rank"))
            query = _page(_where(query, dialect, tenant, wanted), wanted, rank)
            return [
                StoredMention.model_validate(row).ranked(score)
                for row, score in session.execute(query)
            ]
        cluster = func.coalesce(MentionRow.cluster_id, MentionRow.id)
        windowed = _where(
            select(
                MentionRow.id,
                func.count().over(partition_by=cluster).label("size"),
                func.row_number().over(partition_by=cluster, order_by=newest_first).label("place"),
            ),
            dialect,
            tenant,
            wanted,
        ).subquery()
        query = (
            select(MentionRow, windowed.c.size)
            .join(windowed, windowed.c.id == MentionRow.id)
            .where(windowed.c.place == 1)
        )
        if rank is None:
            return [
                StoredMention.model_validate(row).model_copy(update={"cluster_size": size})
                for row, size in session.execute(_page(query, wanted, None))
            ]
        # FTS5 refuses bm25() beside window functions: the ranks come from a query of their own.
        scores = _where(
            select(MentionRow.id, rank.label("search_rank")), dialect, tenant, wanted
        ).subquery()
        query = query.add_columns(scores.c.search_rank).join(scores, scores.c.id == MentionRow.id)
        return [
            StoredMention.model_validate(row)
            .model_copy(update={"cluster_size": size})
            .ranked(score)
            for row, size, score in session.execute(_page(query, wanted, scores.c.search_rank))
        ]
