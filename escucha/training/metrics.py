"""Macro-F1, per-class F1 and the confusion matrix of one labelling against the truth."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.metrics import confusion_matrix, f1_score


@dataclass
class Scores:
    n: int
    macro_f1: float
    per_class: dict[str, float]
    labels: list[str]
    confusion: list[list[int]]  # rows: truth, columns: predicted, in `labels` order


def measure(truth: Sequence[str], predicted: Sequence[str], labels: Sequence[str]) -> Scores:
    labels = list(labels)
    per_class = f1_score(truth, predicted, labels=labels, average=None, zero_division=0)
    return Scores(
        n=len(truth),
        macro_f1=float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
        per_class={k: round(float(v), 4) for k, v in zip(labels, per_class, strict=True)},
        labels=labels,
        confusion=confusion_matrix(truth, predicted, labels=labels).tolist(),
    )
