"""The hand-labelled gold set (see gold/GUIDE.md): intent, sentiment and complaint per language.

No model is trained on it, so it measures how the analysis carries over to businesses and
phrasings the research corpora never saw.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from escucha.core.models import Intent
from escucha.nlp.analyzer import Analyzer
from escucha.nlp.batch import analyze_texts
from escucha.training.metrics import Scores, measure

LANGUAGES = ("es", "en")
FIELDS = ("intent", "sentiment", "complaint")


@dataclass
class GoldScore(Scores):
    lang: str = ""
    field: str = ""


def rows(lang: str) -> list[dict[str, object]]:
    path = resources.files("escucha.training") / "gold" / f"{lang}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def score(analyzer: Analyzer) -> list[GoldScore]:
    results = []
    for lang in LANGUAGES:
        gold = rows(lang)
        analyses = analyze_texts(analyzer, [str(r["text"]) for r in gold])
        predicted = {
            "intent": [a.intent.value for a in analyses],
            "sentiment": [a.sentiment.value for a in analyses],
            "complaint": [str(a.complaint).lower() for a in analyses],
        }
        for field in FIELDS:
            truth = [str(r[field]).lower() for r in gold]
            labels = [i.value for i in Intent] if field == "intent" else sorted(set(truth))
            scores = measure(truth, predicted[field], labels)
            results.append(GoldScore(**vars(scores), lang=lang, field=field))
    return results
