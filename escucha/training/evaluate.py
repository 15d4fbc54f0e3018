"""`escucha eval`: macro-F1 of each analysis target, by cross-validation on the shared data.

Each fold trains a fresh model on the other folds plus the auxiliary corpora, then analyses the
held-out texts through the same batch path as `escucha analyze`, so the figures are that
command's figures.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import StratifiedKFold

from escucha.core.models import Analysis
from escucha.nlp.analyzer import Analyzer
from escucha.nlp.batch import analyze_texts
from escucha.training.datasets import LOADERS, Corpus
from escucha.training.metrics import Scores, measure
from escucha.training.train import HEADS, train


def _sentiment(a: Analysis) -> str:
    return a.sentiment.value


def _offensive(a: Analysis) -> str:
    return "yes" if a.offensive else "no"


@dataclass(frozen=True)
class Target:
    title: str
    corpus: str
    answer: Callable[[Analysis], str]
    heads: tuple[str, ...]
    goal: float | None
    reference: str


TARGETS = (
    Target(
        "Spanish sentiment, 3 classes",
        "tass2020",
        _sentiment,
        ("sentiment_es", "sentiment_en"),
        0.62,
        "RoBERTuito 0.705, BETO 0.65, mBERT 0.617; TF-IDF + LR about 0.56",
    ),
    Target(
        "Spanish customer tweets, 3 classes",
        "es_airlines",
        _sentiment,
        ("sentiment_es", "sentiment_en"),
        0.65,
        "TF-IDF + LR about 0.56",
    ),
    Target(
        "English customer tweets, 3 classes",
        "us_airlines",
        _sentiment,
        ("sentiment_es", "sentiment_en"),
        0.80,
        "TF-IDF + LR about 0.78",
    ),
    Target(
        "Offensive, Spanish",
        "emoevent_offensive",
        _offensive,
        ("offensive_es",),
        None,
        "report it; masked profanity counts",
    ),
)


@dataclass
class Result(Scores):
    target: Target = TARGETS[0]
    texts_per_s: float = 0.0
    folds: list[float] = field(default_factory=list)
    packed_macro_f1: float | None = None  # the same folds, each model packed as it is saved

    @property
    def passed(self) -> bool | None:
        return None if self.target.goal is None else self.macro_f1 >= self.target.goal


@dataclass(frozen=True)
class FoldRun:
    predicted: list[str]
    gold: list[str]
    texts_per_s: float
    packed: list[str] | None


def _fold(
    target: Target,
    corpora: dict[str, Corpus],
    train_idx: np.ndarray,
    test_idx: np.ndarray,
    packed: bool,
) -> FoldRun:
    held = corpora[target.corpus]
    part = Corpus(
        held.name,
        held.lang,
        [held.texts[i] for i in train_idx],
        [held.labels[i] for i in train_idx],
        weights=[held.weights[i] for i in train_idx] if held.weights else None,
    )
    model = train(
        {**corpora, target.corpus: part}, tuple(h for h in HEADS if h.name in target.heads)
    )
    texts = [held.texts[i] for i in test_idx]
    started = time.perf_counter()
    predicted = [target.answer(a) for a in analyze_texts(Analyzer(model), texts)]
    elapsed = time.perf_counter() - started
    as_saved = None
    if packed:
        as_saved = [target.answer(a) for a in analyze_texts(Analyzer(model.packed()), texts)]
    gold = [held.labels[i] for i in test_idx]
    return FoldRun(predicted, gold, len(texts) / elapsed, as_saved)


def evaluate(
    target: Target,
    corpora: dict[str, Corpus],
    folds: int = 5,
    jobs: int = 2,
    packed: bool = False,
) -> Result:
    """Cross-validated scores; with `packed`, also of each fold's model as it would be saved."""
    held = corpora[target.corpus]
    splitter = StratifiedKFold(folds, shuffle=True, random_state=13)
    runs: list[FoldRun] = Parallel(n_jobs=jobs)(
        delayed(_fold)(target, corpora, tr, te, packed)
        for tr, te in splitter.split(held.texts, held.labels)
    )
    gold = [g for run in runs for g in run.gold]
    labels = sorted(set(held.labels))
    as_saved = None
    if packed:
        as_saved = measure(gold, [p for run in runs for p in run.packed or []], labels).macro_f1
    return Result(
        **vars(measure(gold, [p for run in runs for p in run.predicted], labels)),
        target=target,
        texts_per_s=float(np.mean([run.texts_per_s for run in runs])),
        folds=[measure(run.gold, run.predicted, labels).macro_f1 for run in runs],
        packed_macro_f1=as_saved,
    )


def load_corpora() -> dict[str, Corpus]:
    return {name: load() for name, load in LOADERS.items()}
