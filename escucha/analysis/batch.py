"""`escucha analyze`: JSONL in, one JSONL analysis out per line, no broker."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from escucha import language, text
from escucha.analysis.analyzer import Analyzer


def analyze_record(analyzer: Analyzer, record: dict[str, Any]) -> dict[str, Any]:
    raw = record.get("text")
    if not isinstance(raw, str) or not raw.strip():
        return {"id": record.get("id"), "error": "text is missing or empty"}
    cleaned = text.clean(raw)
    lang, _ = language.detect(cleaned.text)
    result = analyzer.analyze(cleaned.text, lang)
    return {"id": record.get("id"), **result.model_dump(mode="json")}


def analyze_lines(lines: Iterable[str]) -> Iterator[str]:
    analyzer = Analyzer()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield json.dumps({"id": None, "line": number, "error": f"not valid JSON: {error.msg}"})
            continue
        if not isinstance(record, dict):
            yield json.dumps({"id": None, "line": number, "error": "expected a JSON object"})
            continue
        yield json.dumps(analyze_record(analyzer, record), ensure_ascii=False)
