"""Replaying history through the detector exactly as the live watch runs it, check by check.

Both call `detect` on each topic and `advance` on the tenant's incident; a closed incident's
bins leave every later baseline of its topics, as they do live.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from escucha.core.crisis_policy import CrisisPolicy
from escucha.insight.baseline import Baseline
from escucha.insight.detector import Signal, detect, fit_before
from escucha.insight.incident import Incident, advance
from escucha.insight.series import PER_HOUR, Series


@dataclass(frozen=True)
class Opened:
    """An incident the replay opened: when, about what, why, and when it closed."""

    incident: Incident
    signals: tuple[Signal, ...]

    def as_json(self) -> dict[str, object]:
        lead = self.incident
        return {
            "opened_at": lead.opened_at.isoformat(),
            "closed_at": lead.closed_at.isoformat() if lead.closed_at else None,
            "topic": lead.topic,
            "trigger": lead.trigger,
            "observed": lead.observed,
            "expected": round(lead.expected, 2),
            "topics": list(lead.topics),
            "triggers": list(lead.triggers),
        }


class Replay:
    """Step a tenant's series (one per topic, same start and length) through the live logic."""

    def __init__(self, series: Mapping[str, Series], policy: CrisisPolicy) -> None:
        self.series, self.policy = series, policy
        self._fits: dict[tuple[str, int], Baseline | None] = {}

    def _fit(self, series: Series, until: int) -> Baseline | None:
        key = (series.topic, until // PER_HOUR)  # a baseline changes once an hour
        if key not in self._fits:
            self._fits[key] = fit_before(series, until)
        return self._fits[key]

    def run(self, first: int, last: int, step: int = 1) -> list[Opened]:
        """Check after every `step` bins from bin `first` to `last`; the incidents it opened."""
        policy = self.policy
        cooldown = timedelta(hours=policy.cooldown_hours)
        subsiding = timedelta(minutes=policy.subsiding_minutes)
        incident: Incident | None = None
        opened: list[Opened] = []
        first_signals: tuple[Signal, ...] = ()
        for end in range(first, last + 1, step):
            now = self._moment(end)
            signals = [s for series in self.series.values()
                       for s in detect(series, end, policy, fit=self._fit).signals]  # fmt: skip
            incident, change = advance(incident, signals, now, cooldown, subsiding)
            if change == "opened":
                first_signals = tuple(signals)
            if change == "closed" and incident is not None:
                self._exclude(incident)
                opened.append(Opened(incident, first_signals))
        if incident is not None and incident.status != "closed":
            opened.append(Opened(incident, first_signals))
        return opened

    def _moment(self, end: int) -> datetime:
        return next(iter(self.series.values())).moment(end)

    def _exclude(self, incident: Incident) -> None:
        """Its bins are not what normal looks like: keep them out of later baselines."""
        for topic in incident.topics:
            series = self.series.get(topic)
            if series is not None and incident.closed_at is not None:
                lo = max(0, series.index(incident.first_window_start))
                series.excluded[lo : series.index(incident.closed_at)] = True
        self._fits.clear()
