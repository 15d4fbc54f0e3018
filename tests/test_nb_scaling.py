"""Naive-Bayes feature scaling: the ratio it weighs features by, and the head it fits."""

import numpy as np
from scipy import sparse

from escucha.training.nb_scaling import fit_scaled, log_count_ratio

# Columns: "terrible" (negative texts only), "great" (positive only), "the" (everywhere).
ROWS = [[1, 0, 1], [2, 0, 1], [0, 1, 1], [0, 3, 1], [1, 0, 0], [0, 1, 0]]
LABELS = ["negative", "negative", "positive", "positive", "negative", "positive"]


def test_a_feature_tied_to_the_class_outweighs_one_found_everywhere():
    present = sparse.csr_matrix(np.array(ROWS) > 0, dtype=np.float64)
    negative = np.array([label == "negative" for label in LABELS])
    ratio = log_count_ratio(present, negative, np.ones(len(LABELS)))
    assert ratio[0] > 1.0 and ratio[1] > 1.0
    assert ratio[2] < 0.1
    assert ratio[0] == ratio[1]  # symmetric data, symmetric weight


def test_the_fitted_head_scores_unscaled_features_and_separates_the_classes():
    matrix = sparse.csr_matrix(np.array(ROWS, dtype=np.float64))
    classes, weights, biases = fit_scaled(matrix, LABELS, np.ones(len(LABELS)), C=1.0)
    assert classes == ["negative", "positive"] and weights.shape == (3, 2)
    predicted = [classes[i] for i in (matrix @ weights + biases).argmax(axis=1)]
    assert predicted == LABELS
    assert abs(weights[2, 0]) < abs(weights[0, 0])  # "the" says little either way
