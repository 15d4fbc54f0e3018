"""What a run produced, read back from the store: counts and the most urgent relevant mentions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from escucha.store.schema import MentionRow
from escucha.store.store import Store

COUNTED = ("lang", "sentiment", "intent", "priority_label", "relevant")
SQL_CHUNK = 500  # below every backend's bound-parameter limit


@dataclass
class Summary:
    total: int
    counts: dict[str, dict[str, int]]
    top: list[MentionRow]


def _chunks(ids: Sequence[str]) -> list[list[str]]:
    return [list(ids[i : i + SQL_CHUNK]) for i in range(0, len(ids), SQL_CHUNK)]


def summarize(store: Store, ids: Sequence[str], top_n: int = 5) -> Summary:
    counts: dict[str, dict[str, int]] = {name: {} for name in COUNTED}
    top: list[MentionRow] = []
    with Session(store.engine, expire_on_commit=False) as session:
        for chunk in _chunks(ids):
            for name in COUNTED:
                column = getattr(MentionRow, name)
                query = (
                    select(column, func.count()).where(MentionRow.id.in_(chunk)).group_by(column)
                )
                for value, n in session.execute(query):
                    key = str(value).lower() if isinstance(value, bool) else value
                    counts[name][key] = counts[name].get(key, 0) + n
            # The most urgent work: what is about the tenant, then by priority.
            query = select(MentionRow).where(MentionRow.id.in_(chunk), MentionRow.relevant)
            rows = session.scalars(query.order_by(MentionRow.priority.desc()).limit(top_n)).all()
            top = sorted([*top, *rows], key=lambda r: (-r.priority, r.id))[:top_n]
    return Summary(total=sum(counts["lang"].values()), counts=counts, top=top)
