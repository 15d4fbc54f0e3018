"""Naive-Bayes feature scaling for a linear head (Wang and Manning, 2012: "NBSVM").

Each class gets its own one-vs-rest SVM over features scaled by how much more often they
appear in that class than in the others (the absolute log-count ratio). The scale folds into
the learned weights, so the saved model scores texts exactly as an unscaled one does: the
trick costs training time only.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.svm import LinearSVC


def log_count_ratio(
    present: sparse.csr_matrix, is_class: np.ndarray, weights: np.ndarray, alpha: float = 1.0
) -> np.ndarray:
    """|log(p / q)| per feature: p, q its smoothed share of presences in and out of the class."""
    inside = np.asarray(present[is_class].T @ weights[is_class]).ravel() + alpha
    outside = np.asarray(present[~is_class].T @ weights[~is_class]).ravel() + alpha
    return np.abs(np.log((inside / inside.sum()) / (outside / outside.sum())))


def fit_scaled(
    matrix: sparse.csr_matrix, labels: list[str], weights: np.ndarray, C: float
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Classes, weights (features × classes) and biases of one scaled SVM per class."""
    present = (matrix > 0).astype(np.float64)
    targets = np.asarray(labels)
    classes = sorted(set(labels))
    columns, biases = [], []
    for label in classes:
        is_class = targets == label
        scale = log_count_ratio(present, is_class, weights)
        svm = LinearSVC(C=C, class_weight="balanced")
        svm.fit(matrix @ sparse.diags(scale), is_class.astype(int), sample_weight=weights)
        columns.append(svm.coef_.ravel() * scale)
        biases.append(svm.intercept_[0])
    return classes, np.column_stack(columns), np.asarray(biases)
