"""One tenant's crisis check: read the rollups, detect, advance the incident, publish it.

The live counterpart of `Replay`: the same `detect` and `advance`, over series read from the
store at the moment of the check (the current 15-minute bin included, in part), with past
incidents' bins left out of the baselines. People hear of it through the incident's thread:
`Alerting.fan_out` turns each new entry into deliveries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from escucha.core.models import as_utc
from escucha.core.tenant import Tenant
from escucha.insight import explain
from escucha.insight.detector import Signal, detect
from escucha.insight.incident import Change, Incident, Status, advance, strongest
from escucha.insight.series import BIN, HISTORY, build, floor_bin, floor_hour, unheard
from escucha.insight.surge import MIN_OBSERVED
from escucha.insight.topics import ALL, COMPLAINTS, INSTANT, NEGATIVE
from escucha.store.incidents import Incidents, new_id
from escucha.store.queries import StoredMention
from escucha.store.rollups import Rollups
from escucha.store.schema import IncidentRow

ALWAYS_WATCHED = (ALL, NEGATIVE, COMPLAINTS)
Mentions = Callable[[str, datetime, datetime], Sequence[StoredMention]]
Publish = Callable[[str, str, dict[str, str]], None]


@dataclass(frozen=True)
class Checked:
    incident_id: str | None
    change: Change | None
    signals: tuple[Signal, ...]


class Watch:
    def __init__(self, rollups: Rollups, incidents: Incidents, mentions: Mentions,
                 publish: Publish) -> None:  # fmt: skip
        self.rollups, self.incidents, self.mentions = rollups, incidents, mentions
        self.publish = publish

    def signals(self, tenant: Tenant, now: datetime) -> list[Signal]:
        """Every topic's signals at `now`."""
        start, end = floor_hour(now) - HISTORY, floor_bin(now) + BIN
        partial = max(1e-3, (now - floor_bin(now)) / BIN)
        topics = self._topics(tenant.id, now)
        bins = self.rollups.bins(tenant.id, topics, start, end)
        past = self.incidents.past(tenant.id, start, now)
        unknown = unheard(start, self.rollups.first(tenant.id))
        found: list[Signal] = []
        for topic in topics:
            excluded = [*unknown, *((p.since, p.until) for p in past if topic in p.topics)]
            series = build(topic, start, end, bins[topic], tenant.zone, excluded)
            found.extend(detect(series, len(series), tenant.crisis, partial).signals)
        return found

    def _topics(self, tenant: str, now: datetime) -> list[str]:
        week = self.rollups.active(tenant, now - timedelta(days=7), now + BIN, MIN_OBSERVED)
        hour = self.rollups.active(tenant, now - timedelta(hours=1), now + BIN, 1)
        instant = [t for t in hour if t in INSTANT]
        return list(dict.fromkeys([*ALWAYS_WATCHED, *week, *instant]))

    def check(self, tenant: Tenant, now: datetime) -> Checked:
        policy = tenant.crisis
        signals = self.signals(tenant, now)
        row = self.incidents.current(tenant.id)
        before = from_row(row) if row else None
        after, change = advance(before, signals, now, timedelta(hours=policy.cooldown_hours),
                                timedelta(minutes=policy.subsiding_minutes))  # fmt: skip
        if after is None or after == before:
            return Checked(row.id if row else None, None, tuple(signals))
        incident_id = row.id if row else new_id()
        explanation = row.explanation if row else {}
        if change in (Change.opened, Change.updated) and signals:
            explanation = self._explain(tenant, signals, now)
        values = to_values(after) | {"explanation": explanation}
        note = {
            "status": after.status.value,
            "observed": after.observed,
            "expected": round(after.expected, 2),
            "headline": explanation.get("headline"),
        }
        self.incidents.write(tenant.id, incident_id, values, change.value if change else None,
                             note, now)  # fmt: skip
        if change is not None:
            self.publish(tenant.id, f"incident.{change.value}", {
                "incident_id": incident_id, "status": after.status.value, "topic": after.topic,
                "trigger": after.trigger, "observed": str(after.observed),
                "expected": f"{after.expected:.2f}",
            })  # fmt: skip
        return Checked(incident_id, change, tuple(signals))

    def _explain(self, tenant: Tenant, signals: Sequence[Signal], now: datetime) -> dict[str, Any]:
        lead = strongest(signals)
        window = self.mentions(tenant.id, lead.window_start, now + BIN)
        background = self.mentions(
            tenant.id, lead.window_start - timedelta(days=7), lead.window_start
        )
        return explain.explain(signals, lead, window, background, tenant.zone, tenant.languages[0])


def from_row(row: IncidentRow) -> Incident:
    return Incident(
        status=Status(row.status),
        opened_at=as_utc(row.opened_at),
        last_signal_at=as_utc(row.last_signal_at),
        topic=row.topic,
        trigger=row.trigger,
        observed=row.observed,
        expected=row.expected,
        notified_excess=row.notified_excess,
        topics=tuple(row.topics),
        triggers=tuple(row.triggers),
        first_window_start=as_utc(row.first_window_start),
        closed_at=as_utc(row.closed_at) if row.closed_at else None,
    )


def to_values(incident: Incident) -> dict[str, Any]:
    values = asdict(incident)
    values["status"] = incident.status.value
    values["topics"], values["triggers"] = list(incident.topics), list(incident.triggers)
    return values
