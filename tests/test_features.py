"""The hashed featurizer against a plain reference computation, and round trips of saved models."""

import itertools
import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escucha.nlp import registry
from escucha.nlp.char_arrays import BASE, CharArrays
from escucha.nlp.features import (
    CHAR_BITS,
    DENSE_NAMES,
    TERM_BITS,
    Featurizer,
    IncompatibleModel,
    dense_block,
)
from escucha.nlp.model import Head, LinearModel

CORPUS = [
    "el vuelo llegó tarde y nadie responde",
    "el vuelo llegó a su hora, gracias",
    "gracias por todo, muy amables 😍",
    "nadie responde en el mostrador!!!",
    "my flight was late and nobody answers, don't ask",
    "thanks, my flight was on time",
    "no es bueno, es una %%%% de servicio",
    "buenooooo, el vuelo llegó",
]
MOD = 2**64
MIX = 0x9E3779B97F4A7C15


# A plain statement of what the vectorised code computes, one text at a time.
def plain_hash(text: str) -> int:
    return sum(ord(c) * pow(BASE, k, MOD) for k, c in enumerate(text)) % MOD


def plain_bucket(value: int, bits: int) -> int:
    return (value * MIX % MOD) >> (64 - bits)


def plain_squeeze(text: str) -> str:
    return re.sub(r"([^\W\d_])\1{2,}", r"\1", text.lower())


LETTER = r"(?:[^\W\d_]|'(?=[^\W\d_])(?<=[^\W\d_]'))"  # inner apostrophes count as letters


def plain_tokens(text: str) -> list[str]:
    return re.findall(rf"(?:{LETTER}|[*%#@$])+|\d+|[^\w\s]|_", text)


def plain_rows(text: str) -> tuple[list[int], list[int]]:
    squeezed = plain_squeeze(text)
    tokens = [plain_hash(t) for t in plain_tokens(squeezed)]
    pairs = [(a * BASE + b + 0x5BD1E995) % MOD for a, b in itertools.pairwise(tokens)]
    terms = [plain_bucket(h, TERM_BITS) for h in tokens + pairs]
    chars = []
    for run in re.findall(rf"{LETTER}+", squeezed):
        padded = f" {run} "
        for n in range(2, 6):
            for i in range(len(padded) - n + 1):
                salted = (plain_hash(padded[i : i + n]) + n * 0x27D4EB2F165667C5) % MOD
                chars.append(plain_bucket(salted, CHAR_BITS))
    return terms, chars


def entries(block, row):
    """Each column of a row with the number of times it occurs (repeats are separate entries)."""
    start, end = block.indptr[row], block.indptr[row + 1]
    return sorted(block.indices[start:end].tolist())


@pytest.fixture(scope="module")
def featurizer():
    return Featurizer.fit(CORPUS, min_df=1)


def test_terms_and_character_ngrams_match_the_plain_reference(featurizer):
    terms, chars, _ = featurizer.blocks(CORPUS)
    for row, text in enumerate(CORPUS):
        want_terms, want_chars = plain_rows(text)
        assert entries(terms, row) == sorted(want_terms), text
        assert entries(chars, row) == sorted(want_chars), text


def test_contractions_elongations_and_masks_tokenise_as_words():
    arrays = CharArrays.of(["Don't   buenooooo p*ta 😍!!"])
    words = ["don't", "bueno", "p*ta", "😍", "!", "!"]
    assert arrays.token_hash.tolist() == [plain_hash(w) for w in words]
    assert arrays.elongated.tolist() == [1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=6), st.data())
def test_a_text_reads_the_same_alone_or_in_any_batch(texts, data):
    featurizer = Featurizer.fit(texts + CORPUS, min_df=1)
    row = data.draw(st.integers(0, len(texts) - 1))
    together = featurizer.transform(texts)[row].toarray()
    alone = featurizer.transform([texts[row]]).toarray()
    assert np.allclose(together, alone, atol=1e-6)


def test_each_block_has_unit_norm_over_its_entries(featurizer):
    for block in featurizer.blocks(CORPUS):
        summed = block.copy()
        summed.sum_duplicates()
        squares = np.asarray(summed.multiply(summed).sum(axis=1)).ravel()
        occurrences = np.bincount(
            np.repeat(np.arange(block.shape[0]), np.diff(block.indptr)),
            weights=block.data.astype(np.float64) ** 2,
            minlength=block.shape[0],
        )
        empty = occurrences == 0  # e.g. no polarity word, emoji or punctuation at all
        assert np.allclose(occurrences[~empty], 1.0, atol=1e-4) and empty.sum() <= 2
        assert (squares >= occurrences - 1e-4).all()  # repeats only add to a column


def test_dense_counts_read_lexicon_emoji_emoticons_masks_and_profanity():
    texts = ["buenooooo %%%% 😍!! xxxx", "qué mierdoso servicio :(", "computadora"]
    present = dense_block(CharArrays.of(texts)).toarray() > 0
    found = [{name for name, on in zip(DENSE_NAMES, row, strict=True) if on} for row in present]
    assert found[0] == {
        "elongated", "masked_profanity", "exclamations", "positive_emoji", "positive_valence",
        "positive_words",  # "bueno"
    }  # fmt: skip
    assert {"profane_words", "negative_emoji", "negative_valence"} <= found[1]
    assert found[2] == set()


def test_blockwise_scores_equal_the_stitched_matrix_product(featurizer):
    rng = np.random.default_rng(3)
    weights = rng.normal(size=(featurizer.width, 3)).astype(np.float32)
    model = LinearModel(featurizer, weights, np.ones(3, dtype=np.float32), {})
    stitched = featurizer.transform(CORPUS) @ weights + 1.0
    assert np.allclose(model.scores(CORPUS), stitched, atol=1e-4)


def test_empty_texts_and_empty_batches_give_valid_rows(featurizer):
    assert featurizer.transform(["zzzqqq", ""]).shape == (2, featurizer.width)
    assert all(block.shape[0] == 0 for block in featurizer.blocks([]))


def test_rare_buckets_carry_no_weight():
    featurizer = Featurizer.fit(["hola hola", "hola amigo"], min_df=2)
    terms, _, _ = featurizer.blocks(["amigo"])
    assert terms.nnz == 0  # "amigo" was in one training text only


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
        {"note": "test", "features": {"format": 2}},
    )
    version = registry.save(model, tmp_path)
    loaded = registry.load(tmp_path)
    assert registry.versions(tmp_path) == [version] and loaded.card["version"] == version
    # Saved weights are packed (int8): loading gives exactly what `packed()` predicts,
    # within a few quantisation steps of the float scores.
    assert np.allclose(loaded.scores(CORPUS), model.packed().scores(CORPUS), atol=1e-5)
    step = np.abs(model.weights).max() / 127
    assert np.allclose(loaded.scores(CORPUS), model.scores(CORPUS), atol=20 * step)
    labels, confidence = loaded.decide("complaint", loaded.scores(CORPUS))
    assert set(labels) <= {"no", "yes"} and ((confidence >= 0.5) & (confidence <= 1)).all()
    with pytest.raises(FileNotFoundError):
        registry.load(tmp_path, "19990101T000000Z")


def test_a_model_from_an_older_featurizer_is_not_loaded(featurizer, tmp_path):
    old = tmp_path / "20260101T000000Z"
    old.mkdir()
    (old / "card.json").write_text(json.dumps({"features": {"format": 1}, "heads": {}}))
    assert registry.versions(tmp_path) == []
    assert registry.choose(tmp_path).origin == "shipped"  # passed over for the shipped model
    with pytest.raises(FileNotFoundError, match="retrain"):
        registry.load(tmp_path, old.name)
    arrays = {k: v for k, v in featurizer.to_arrays().items() if k != "layout"}
    with pytest.raises(IncompatibleModel):
        Featurizer.from_arrays(arrays)
