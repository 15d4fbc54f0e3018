"""Counts per tenant, topic and bin, kept as mentions are stored: never a scan per check.

Invariant: a mention is counted once, when it is first stored, in the bins of its platform
time (`created_at`); a replay or an edit of a stored mention counts nothing, because the count
happens in the transaction that inserts the mention, for the ids not yet there. Deleting a
mention upstream leaves its counts: they hold no personal data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from escucha.core.models import as_utc
from escucha.store.schema import MentionRow, RollupRow

ROLLUPS = RollupRow.__table__
GRAINS = {"q": timedelta(minutes=15), "h": timedelta(hours=1), "d": timedelta(days=1)}


def bin_start(moment: datetime, grain: str) -> datetime:
    moment = moment.astimezone(UTC)
    if grain == "d":
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if grain == "h":
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def count_new(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add the mentions not stored yet to their bins; call before the mentions are upserted."""
    ids = [row["id"] for row in rows if row.get("topics")]
    if not ids:
        return
    known = set(connection.scalars(select(MentionRow.id).where(MentionRow.id.in_(ids))))
    counts: Counter[tuple[str, str, str, datetime]] = Counter()
    negatives: Counter[tuple[str, str, str, datetime]] = Counter()
    for row in rows:
        if row["id"] in known or not row.get("topics"):
            continue
        negative = row["sentiment"] == "negative"
        for grain in GRAINS:
            start = bin_start(row["created_at"], grain)
            for topic in row["topics"]:
                key = (row["tenant"], topic, grain, start)
                counts[key] += 1
                negatives[key] += negative
        known.add(row["id"])  # the same mention twice in one batch counts once
    if counts:
        values = [
            {
                "tenant": t,
                "topic": topic,
                "grain": g,
                "start": s,
                "count": n,
                "negative": negatives[(t, topic, g, s)],
            }
            for (t, topic, g, s), n in sorted(counts.items())
        ]
        connection.execute(_upsert(connection), values)


def _upsert(connection: Connection) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(ROLLUPS)
    stored = ROLLUPS.c
    return insert.on_conflict_do_update(
        index_elements=["tenant", "topic", "grain", "start"],
        set_={
            "count": stored.count + insert.excluded.count,
            "negative": stored.negative + insert.excluded.negative,
        },
    )


class Rollups:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def bins(
        self, tenant: str, topics: Iterable[str], since: datetime, until: datetime, grain: str = "q"
    ) -> dict[str, list[tuple[datetime, int, int]]]:
        """Each topic's non-empty bins in [since, until): (start, count, negatives)."""
        wanted = list(topics)
        found: dict[str, list[tuple[datetime, int, int]]] = {t: [] for t in wanted}
        if not wanted:
            return found
        query = select(RollupRow.topic, RollupRow.start, RollupRow.count, RollupRow.negative).where(
            RollupRow.tenant == tenant,
            RollupRow.grain == grain,
            RollupRow.topic.in_(wanted),
            RollupRow.start >= since,
            RollupRow.start < until,
        )
        with Session(self.engine) as session:
            for topic, start, count, negative in session.execute(query):
                found[topic].append((as_utc(start), count, negative))
        return found

    def first(self, tenant: str) -> datetime | None:
        """The start of the tenant's earliest counted bin, imported history included: when
        escucha began to hear it. None before its first mention."""
        query = select(func.min(RollupRow.start)).where(
            RollupRow.tenant == tenant, RollupRow.topic == "all", RollupRow.grain == "q"
        )
        with Session(self.engine) as session:
            found = session.scalar(query)
        return as_utc(found) if found is not None else None

    def active(
        self, tenant: str, since: datetime, until: datetime, at_least: int
    ) -> dict[str, int]:
        """Topics with at least `at_least` mentions in [since, until), from the hourly bins."""
        total = func.sum(RollupRow.count)
        query = (
            select(RollupRow.topic, total)
            .where(
                RollupRow.tenant == tenant,
                RollupRow.grain == "h",
                RollupRow.start >= bin_start(since, "h"),
                RollupRow.start < until,
            )
            .group_by(RollupRow.topic)
            .having(total >= at_least)
        )
        with Session(self.engine) as session:
            return {topic: int(n) for topic, n in session.execute(query)}

    def tenants_since(self, since: datetime) -> list[str]:
        """Tenants with any mention counted since then: the ones worth watching."""
        query = (
            select(RollupRow.tenant)
            .where(RollupRow.grain == "d", RollupRow.start >= bin_start(since, "d"))
            .distinct()
        )
        with Session(self.engine) as session:
            return sorted(session.scalars(query))
