"""The hand-labelled gold set (see gold/GUIDE.md): intent, sentiment and complaint per language.

No model is trained on it, so it measures how the analysis carries over to businesses and
phrasings the research corpora never saw.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from sklearn.metrics import confusion_matrix, f1_score

from escucha.analysis.analyzer import Analyzer
from escucha.analysis.batch import analyze_texts
from escucha.models import Intent

LANGUAGES = ("es", "en")
FIELDS = ("intent", "sentiment", "complaint")


@dataclass
class GoldScore:
    lang: str
    field: str
    n: int
    macro_f1: float
    per_class: dict[str, float]
    labels: list[str]
    confusion: list[list[int]]


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
            per_class = f1_score(
                truth, predicted[field], labels=labels, average=None, zero_division=0
            )
            results.append(
                GoldScore(
                    lang=lang,
                    field=field,
                    n=len(gold),
                    macro_f1=float(
                        f1_score(
                            truth, predicted[field], labels=labels, average="macro", zero_division=0
                        )
                    ),
                    per_class={
                        k: round(float(v), 3) for k, v in zip(labels, per_class, strict=True)
                    },
                    labels=labels,
                    confusion=confusion_matrix(truth, predicted[field], labels=labels).tolist(),
                )
            )
    return results
