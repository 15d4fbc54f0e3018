"""Full-text search over mentions' text: SQLite FTS5 or PostgreSQL text search, never a scan.

Migration 0020 builds it; these are the names it uses and the expressions queries match with.

SQLite: `mention_search`, a contentless FTS5 table (tokenizer `porter unicode61
remove_diacritics 2`: "camion" finds "camión", "maletas" finds "maleta", "flights" finds
"flight"). Its rowid is `mention_search_keys.key`, a stable integer per mention id: the
mentions table's own rowid is implicit (its key is text), so VACUUM or a batch migration could
renumber it under an index that pointed at it. Triggers on mentions keep both in step on
insert, update (of text or id) and delete. A future migration that rebuilds `mentions` (batch
mode on SQLite drops and recreates the table) drops those triggers with it, and must create
them again (`SQLITE_TRIGGERS` in 0020); the index and keys stay valid, being keyed by id.

PostgreSQL: `mentions.search_document`, a stored generated tsvector column with a GIN index:
`escucha_search_document(text)`, the text without accents (`unaccent`, wrapped in an
IMMUTABLE function) stemmed as Spanish and as English. Stored, so ranking reads it rather than
stemming every match again; outside the declared metadata, so the store's inserts, which name
their columns, never see it. A query is
`escucha_search_query(q)`: plainto_tsquery in both configurations, OR-ed, so a Spanish post
matches by its Spanish stems and an English one by its English stems.

On both, a query is the words of what a person typed, all of them required, with no
operators: quotes, `*`, `-`, `OR`, `NEAR(` and the like are plain text.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, Double, cast, column, func, literal_column, table
from sqlalchemy.dialects.postgresql import TSVECTOR

FTS = "mention_search"
KEYS = "mention_search_keys"
INDEX = "ix_mentions_search"
DOCUMENT = "search_document"
# What autogenerate must leave alone: migration 0020's raw DDL, outside the declared metadata.
SQLITE_TABLES = frozenset(
    {KEYS, FTS, *(f"{FTS}_{shadow}" for shadow in ("data", "idx", "docsize", "config", "content"))}
)
POSTGRES_INDEXES = frozenset({INDEX})
POSTGRES_COLUMNS = frozenset({DOCUMENT})  # of mentions

search_table = table(FTS, column("rowid"), column(FTS))
keys_table = table(KEYS, column("key"), column("id"))
_MAX_TERMS = 32
_WORD = re.compile(r"[^\W_]+")


def terms(q: str) -> list[str]:
    """The words a query asks for: its runs of letters and digits, as both tokenizers see them
    (PostgreSQL's plainto_tsquery reads `mi-maleta` or `NEAR(vuelo` as words, and so do we)."""
    return _WORD.findall(q)[:_MAX_TERMS]


def fts5_query(q: str) -> str | None:
    """An FTS5 MATCH string of the words of `q`, each a quoted string, all required.

    Quoted, `OR`, `NEAR` or `NOT` are words rather than operators. None when `q` has no words.
    """
    found = terms(q)
    if not found:
        return None
    return " ".join('"' + term.replace('"', '""') + '"' for term in found)


def sqlite_match(q: str) -> ColumnElement[bool]:
    return search_table.c[FTS].op("MATCH")(fts5_query(q) or '""')


def sqlite_rank() -> ColumnElement[Any]:
    """Higher is more relevant: bm25() is smaller for better matches."""
    return -func.bm25(literal_column(FTS))


def postgres_document() -> ColumnElement[Any]:
    """The stored tsvector, a generated column outside the declared metadata (see 0020)."""
    return literal_column(f"mentions.{DOCUMENT}", TSVECTOR)


def postgres_match(q: str) -> ColumnElement[bool]:
    return postgres_document().op("@@")(func.escucha_search_query(q))


def postgres_rank(q: str) -> ColumnElement[Any]:
    """Higher is more relevant; float8, so a cursor's copy compares equal.

    Normalization 1 divides by 1 + log(length): a word in a short post counts for more, as
    with SQLite's bm25().
    """
    rank = func.ts_rank(postgres_document(), func.escucha_search_query(q), 1)
    return cast(rank, Double)


_hidden = False


def hide_from_autogenerate() -> None:
    """Keep Alembic's autogenerate from proposing to drop the search objects it cannot see
    declared (FTS5's tables on SQLite, the expression index on PostgreSQL). Idempotent."""
    global _hidden
    if _hidden:
        return
    from alembic.autogenerate.compare import comparators
    from alembic.operations import ops
    from alembic.util import DispatchPriority, PriorityDispatchResult

    def keep(op: Any) -> bool:
        if isinstance(op, ops.DropTableOp):
            return op.table_name not in SQLITE_TABLES
        if isinstance(op, ops.DropIndexOp):
            return op.index_name not in POSTGRES_INDEXES
        if isinstance(op, ops.DropColumnOp):
            return op.column_name not in POSTGRES_COLUMNS
        return True

    @comparators.dispatch_for("autogenerate", priority=DispatchPriority.LAST)
    def _leave_search_alone(_context: Any, upgrade_ops: Any) -> PriorityDispatchResult:
        kept = []
        for op in upgrade_ops.ops:
            if isinstance(op, ops.ModifyTableOps):
                op.ops = [inner for inner in op.ops if keep(inner)]
                if not op.ops:
                    continue
            if keep(op):
                kept.append(op)
        upgrade_ops.ops[:] = kept
        return PriorityDispatchResult.CONTINUE

    _hidden = True
