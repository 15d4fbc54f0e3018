"""`escucha train --release`: build the model escucha ships, from the shared corpora.

It trains on every corpus, packs the model into the package (`analysis/shipped/`), and writes
its card: each dataset with its licence and terms, the cross-validated macro-F1 of the float
weights and of the packed ones on the same folds, the gold set with the model and with the
rules alone, and the checksum a test holds the shipped file to.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from escucha.nlp import registry
from escucha.nlp.analyzer import Analyzer
from escucha.nlp.model import CARD, LinearModel
from escucha.training import gold, model_card
from escucha.training.evaluate import TARGETS, evaluate, load_corpora
from escucha.training.train import train

Step = Callable[[str], None]


def build(folder: Path, folds: int, step: Step) -> dict[str, Any]:
    """Train, measure and write the shipped model into `folder`; returns its card."""
    corpora = load_corpora()
    step(f"training on {len(corpora)} corpora")
    model = train(corpora)
    validation = {}
    for target in TARGETS:
        step(f"{target.title}: {folds}-fold cross-validation, float and packed")
        result = evaluate(target, corpora, folds, packed=True)
        packed = result.packed_macro_f1 or 0.0
        validation[target.corpus] = {
            "title": target.title,
            "n": result.n,
            "float": round(result.macro_f1, 4),
            "packed": round(packed, 4),
            "change": round(packed - result.macro_f1, 4),
        }
    model.card.update(version=registry.new_version(), folds=folds, cross_validation=validation)
    staging = folder.with_name(folder.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    model.save(staging)
    step("loading it back; the gold set with the model and with the rules alone")
    started = time.perf_counter()
    shipped = LinearModel.load(staging)
    card = shipped.card
    card["load_seconds"] = round(time.perf_counter() - started, 2)
    card["gold"] = {"model": _gold(Analyzer(shipped)), "rules": _gold(Analyzer(None))}
    (staging / CARD).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    (staging / model_card.FILE).write_text(model_card.render(card))
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return card


def _gold(analyzer: Analyzer) -> dict[str, float]:
    return {f"{s.lang} {s.field}": round(s.macro_f1, 4) for s in gold.score(analyzer)}
