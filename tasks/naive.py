"""The naive pipeline the benchmark compares against: one task per mention per stage, chained,
each mention travelling inside the messages. Not used in production."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from escucha.care.triage import triage as triage_mention
from escucha.core.models import (
    AnalyzedMention,
    NormalizedMention,
    RawMention,
    StagedMention,
    TriagedMention,
    extend,
)
from escucha.nlp.batch import analyze_mentions
from escucha.nlp.normalize import normalize as normalize_mention
from workers.app import app
from workers.resources import analyzer, store, tenants

OPTIONS: dict[str, Any] = {"guard_deliveries": False}


@app.task(name="escucha.naive.normalize", **OPTIONS)
def normalize(raw: dict[str, Any]) -> dict[str, Any]:
    checked = RawMention.model_validate(raw)  # the door's checks, as ingest makes them
    staged = extend(StagedMention, checked, accepted_at=datetime.now(UTC))
    return normalize_mention(staged).model_dump(mode="json")


@app.task(name="escucha.naive.analyze", **OPTIONS)
def analyze(normalized: dict[str, Any]) -> dict[str, Any]:
    (outcome,) = analyze_mentions(analyzer(), [NormalizedMention.model_validate(normalized)])
    assert isinstance(outcome, AnalyzedMention), outcome
    return outcome.model_dump(mode="json")


@app.task(name="escucha.naive.triage", **OPTIONS)
def triage(analyzed: dict[str, Any]) -> dict[str, Any]:
    mention = AnalyzedMention.model_validate(analyzed)
    return triage_mention(mention, tenants().get(mention.tenant)).model_dump(mode="json")


@app.task(name="escucha.naive.persist", **OPTIONS)
def persist(triaged: dict[str, Any]) -> None:
    store().save([TriagedMention.model_validate(triaged)])
