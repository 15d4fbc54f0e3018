"""Analysing many raw texts at once: what `escucha analyze` and `escucha eval` run."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from escucha.core.models import Analysis, AnalyzedMention, NormalizedMention, extend
from escucha.core.outcomes import Outcome, per_item
from escucha.nlp import language, text
from escucha.nlp.analyzer import Analyzer

CHUNK = 1000


def analyze_texts(analyzer: Analyzer, raw_texts: Sequence[str]) -> list[Analysis]:
    """Clean, identify the language of, and analyse each text."""
    cleaned = [text.clean(t).text for t in raw_texts]
    langs = [language.detect(t)[0] for t in cleaned]
    return analyzer.analyze_many(cleaned, langs)


def _parse(number: int, line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return {"id": None, "line": number, "error": f"not valid JSON: {error.msg}"}
    if not isinstance(record, dict):
        return {"id": None, "line": number, "error": "expected a JSON object"}
    raw = record.get("text")
    if not isinstance(raw, str) or not raw.strip():
        return {"id": record.get("id"), "error": "text is missing or empty"}
    return record


def analyze_lines(lines: Iterable[str], analyzer: Analyzer) -> Iterator[str]:
    """One JSONL result per non-blank input line, in order; bad lines get an `error`."""
    numbered = ((n, line) for n, line in enumerate(lines, start=1) if line.strip())
    while chunk := list(islice(numbered, CHUNK)):
        records = [_parse(n, line) for n, line in chunk]
        valid = [r for r in records if "error" not in r]
        results = iter(analyze_texts(analyzer, [r["text"] for r in valid]))
        for record in records:
            if "error" in record:
                yield json.dumps(record, ensure_ascii=False)
            else:
                analysis = next(results).model_dump(mode="json")
                yield json.dumps({"id": record.get("id"), **analysis}, ensure_ascii=False)


def analyze_mentions(analyzer: Analyzer, mentions: list[NormalizedMention]) -> Sequence[Outcome]:
    """The analyze stage: the whole batch at once, or one by one if the batch fails."""
    try:
        analyses = analyzer.analyze_many(
            [m.clean_text for m in mentions], [m.lang for m in mentions]
        )
        return [_with(m, a) for m, a in zip(mentions, analyses, strict=True)]
    except Exception:  # find the mention that broke it, keep the rest
        one_by_one = per_item(lambda m: _with(m, analyzer.analyze(m.clean_text, m.lang)))
        return one_by_one(mentions)


def _with(mention: NormalizedMention, analysis: Analysis) -> AnalyzedMention:
    return extend(AnalyzedMention, mention, analysis=analysis)
