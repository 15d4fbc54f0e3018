"""The featurizer against a plain reference computation, and round trips of saved models."""

import itertools
import math
from collections import Counter

import numpy as np
import pytest

from escucha.analysis import registry
from escucha.analysis.features import Featurizer, char_ngrams, chunks_of, read_chunk
from escucha.analysis.model import Head, LinearModel

CORPUS = [
    "el vuelo llegó tarde y nadie responde",
    "el vuelo llegó a su hora, gracias",
    "gracias por todo, muy amables 😍",
    "nadie responde en el mostrador!!!",
    "my flight was late and nobody answers",
    "thanks, my flight was on time",
    "no es bueno, es una %%%% de servicio",
    "buenooooo, el vuelo llegó",
]


def reference_terms(text, featurizer):
    """Unigram and bigram columns with sublinear tf × idf, L2-normalised, computed plainly."""
    terms = [t.term for c in chunks_of(text) for t in read_chunk(c) if t.term]
    ids = [featurizer.unigrams[t] for t in terms if t in featurizer.unigrams]
    width = len(featurizer.unigrams)
    for a, b in itertools.pairwise(terms):
        if a in featurizer.unigrams and b in featurizer.unigrams:
            key = featurizer.unigrams[a] * width + featurizer.unigrams[b]
            if key in featurizer.bigrams:
                ids.append(width + featurizer.bigrams[key])
    values = {i: (1 + math.log(n)) * featurizer.term_idf[i] for i, n in Counter(ids).items()}
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    return {i: v / norm for i, v in values.items()}


@pytest.fixture(scope="module")
def featurizer():
    return Featurizer.fit(CORPUS, min_df=1)


def test_term_block_matches_the_reference(featurizer):
    matrix = featurizer.transform(CORPUS)
    for row, text in enumerate(CORPUS):
        got = {
            int(c): float(v)
            for c, v in zip(matrix[row].indices, matrix[row].data, strict=True)
            if c < featurizer.n_terms
        }
        want = reference_terms(text, featurizer)
        assert got.keys() == want.keys(), text
        assert all(abs(got[k] - want[k]) < 1e-5 for k in want), text


def test_each_block_has_unit_norm_over_its_stored_entries(featurizer):
    for block in featurizer.blocks(CORPUS):
        per_row = np.diff(block.indptr)
        rows = np.repeat(np.arange(block.shape[0]), per_row)
        weights = block.data.astype(np.float64) ** 2
        squares = np.bincount(rows, weights=weights, minlength=len(per_row))
        empty = squares == 0  # e.g. no polarity word, emoji or punctuation at all
        assert np.allclose(squares[~empty], 1.0, atol=1e-4) and empty.sum() <= 2


def test_blockwise_scores_equal_the_stitched_matrix_product(featurizer):
    rng = np.random.default_rng(3)
    weights = rng.normal(size=(featurizer.width, 3)).astype(np.float32)
    model = LinearModel(featurizer, weights, np.ones(3, dtype=np.float32), {})
    stitched = featurizer.transform(CORPUS) @ weights + 1.0
    assert np.allclose(model.scores(CORPUS), stitched, atol=1e-4)


def test_cached_and_fresh_featurizers_agree(featurizer):
    fresh = Featurizer.from_arrays(featurizer.to_arrays())
    first = featurizer.transform(CORPUS)
    again = featurizer.transform(CORPUS)  # now from the chunk cache
    assert (first != again).nnz == 0
    assert np.allclose(fresh.transform(CORPUS).toarray(), first.toarray())


def test_elongation_masking_and_emoji_are_read(featurizer):
    tokens = [t for c in chunks_of("buenooooo %%%% 😍!!") for t in read_chunk(c)]
    assert [t.term for t in tokens if t.term] == ["bueno", "%%%%", "😍", "!", "!"]
    assert any(t.code and not t.term for t in tokens)  # the elongation is counted
    assert char_ngrams("no")[:3] == [" n", "no", "o "]


def test_unknown_text_gives_an_empty_but_valid_row(featurizer):
    matrix = featurizer.transform(["zzzqqq", ""])
    assert matrix.shape == (2, featurizer.width)


def test_a_saved_model_loads_with_the_same_scores(featurizer, tmp_path):
    rng = np.random.default_rng(1)
    model = LinearModel(
        featurizer,
        rng.normal(size=(featurizer.width, 4)).astype(np.float32),
        np.zeros(4, dtype=np.float32),
        {
            "sentiment_es": Head("sentiment_es", ("negative", "neutral", "positive"), 0),
            "complaint": Head("complaint", ("no", "yes"), 3),
        },
        {"note": "test"},
    )
    version = registry.save(model, tmp_path)
    loaded = registry.load(tmp_path)
    assert registry.versions(tmp_path) == [version] and loaded.card["version"] == version
    assert np.allclose(loaded.scores(CORPUS), model.scores(CORPUS), atol=1e-5)
    labels, confidence = loaded.decide("complaint", loaded.scores(CORPUS))
    assert set(labels) <= {"no", "yes"} and ((confidence >= 0.5) & (confidence <= 1)).all()
    with pytest.raises(FileNotFoundError):
        registry.load(tmp_path, "19990101T000000Z")


def test_a_batch_larger_than_the_chunk_cache_is_featurised_like_small_ones(featurizer, monkeypatch):
    import escucha.analysis.features as features

    expected = featurizer.transform(CORPUS).toarray()
    small = Featurizer.from_arrays(featurizer.to_arrays())
    monkeypatch.setattr(features, "CACHE_LIMIT", 4)
    small._dense_rows = small._dense_rows[:4]
    many = CORPUS * 3
    got = small.transform(many).toarray()  # more distinct chunks than the cache holds
    assert np.allclose(got, np.vstack([expected] * 3), atol=1e-5)
    assert np.allclose(small.transform(CORPUS).toarray(), expected, atol=1e-5)  # after clearing
