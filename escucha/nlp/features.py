"""Turning cleaned mention texts into the sparse TF-IDF rows the linear models read.

Three blocks, each L2-normalised on its own so none drowns the others:
- terms: word unigrams and bigrams ("no bueno" carries the negation), symbols and emoji too;
- characters: 2-5-grams of each run of letters read with a space either side, so
  misspellings, inflections and dialects share features;
- lexicon: a few dense counts (polarity words, emoji, masked profanity, ! and ?, elongation).

Terms and n-grams are hashed into fixed tables (the hashing trick) rather than looked up in a
vocabulary, so a batch is featurised in vectorised numpy passes over its code points
(`char_arrays`) with no per-word Python. Each occurrence counts idf × 1 and a row is scaled by
the root of the sum of its occurrences' squared weights: no sort is needed to group repeats,
and training reads the very rows inference does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import islice

import numpy as np
from scipy import sparse

from escucha.nlp import emoji_valence, lexicon
from escucha.nlp.char_arrays import LETTER, MASK, WORD, CharArrays, bucket, lone_token_hashes
from escucha.nlp.offensive import PROFANE_STEMS, PROFANE_WORDS

FORMAT = 2  # bumped whenever the columns change meaning; older models must be retrained
TERM_BITS = 19
CHAR_BITS = 20
CHAR_NGRAMS = (2, 5)
FIT_BATCH = 5_000
DENSE_NAMES = (
    "positive_words", "negative_words", "positive_emoji", "negative_emoji",
    "exclamations", "questions", "masked_profanity", "elongated",
    "positive_valence", "negative_valence", "profane_words",
)  # fmt: skip
# A token's code names the dense count it adds to (1-based; 0: none).
POSITIVE_WORD, NEGATIVE_WORD, POSITIVE_EMOJI, NEGATIVE_EMOJI = range(1, 5)
MASKED_RUN = 3  # "%%%%": three masking symbols or more, with no letters, is a masked word


class IncompatibleModel(ValueError):
    pass


@dataclass(frozen=True)
class TokenTable:
    """Hashes of known tokens, sorted, with what each one adds to the dense counts."""

    keys: np.ndarray
    codes: np.ndarray
    valences: np.ndarray

    @classmethod
    def build(cls, entries: dict[int, tuple[int, float]]) -> TokenTable:
        keys = np.array(sorted(entries), dtype=np.uint64)
        return cls(
            keys,
            np.array([entries[int(k)][0] for k in keys], dtype=np.int8),
            np.array([entries[int(k)][1] for k in keys], dtype=np.float32),
        )

    def find(self, hashes: np.ndarray) -> np.ndarray:
        """Row of each hash in the table, or -1."""
        if not len(self.keys):
            return np.full(len(hashes), -1)
        where = np.minimum(np.searchsorted(self.keys, hashes), len(self.keys) - 1)
        return np.where(self.keys[where] == hashes, where, -1)


def _valenced(
    words: dict[str, float], positive: int, negative: int
) -> dict[str, tuple[int, float]]:
    return {w: (positive if v > 0 else negative, v) for w, v in words.items() if v}


@cache
def token_table() -> TokenTable:
    """Lexicon words and emoji that read as a single token."""
    entries = {
        **_valenced({**lexicon.english(), **lexicon.spanish()}, POSITIVE_WORD, NEGATIVE_WORD),
        **_valenced(emoji_valence.EMOJI, POSITIVE_EMOJI, NEGATIVE_EMOJI),
    }
    return TokenTable.build(_hashed(entries))


@cache
def emoticon_tables() -> dict[int, TokenTable]:
    """Emoticons (":)", ":-(") by length: they span several symbol tokens, so are read as
    windows of code points."""
    entries = _valenced(emoji_valence.EMOTICONS, POSITIVE_EMOJI, NEGATIVE_EMOJI)
    by_length: dict[int, dict[str, tuple[int, float]]] = {}
    for face, entry in entries.items():
        by_length.setdefault(len(face), {})[face] = entry
    return {n: TokenTable.build(_window_hashed(faces, n)) for n, faces in by_length.items()}


@cache
def profane_tables() -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Hashes of profane words, and of profane stems by their length."""
    words = np.array(sorted({h for h in lone_token_hashes(PROFANE_WORDS) if h is not None}))
    stems: dict[int, set[int]] = {}
    for stem, h in zip(PROFANE_STEMS, lone_token_hashes(PROFANE_STEMS), strict=True):
        if h is not None:
            stems.setdefault(len(stem), set()).add(h)
    return words.astype(np.uint64), {
        k: np.array(sorted(v), dtype=np.uint64) for k, v in stems.items()
    }


def _hashed(entries: dict[str, tuple[int, float]]) -> dict[int, tuple[int, float]]:
    hashes = lone_token_hashes(list(entries))
    return {h: entry for h, entry in zip(hashes, entries.values(), strict=True) if h is not None}


def _window_hashed(entries: dict[str, tuple[int, float]], n: int) -> dict[int, tuple[int, float]]:
    hashed = {}
    for face, entry in entries.items():
        _, hashes = CharArrays.of([face]).windows(n)
        if len(hashes):
            hashed[int(hashes[0])] = entry
    return hashed


@dataclass
class Featurizer:
    """IDF weights of hashed terms and character n-grams; columns: terms | chars | dense."""

    term_idf: np.ndarray  # 2**TERM_BITS; 0 where training saw a bucket too rarely
    char_idf: np.ndarray  # 2**CHAR_BITS

    @property
    def n_terms(self) -> int:
        return len(self.term_idf)

    @property
    def n_chars(self) -> int:
        return len(self.char_idf)

    @property
    def width(self) -> int:
        return self.n_terms + self.n_chars + len(DENSE_NAMES)

    @classmethod
    def fit(cls, texts: Iterable[str], min_df: int = 2) -> Featurizer:
        term_df = np.zeros(1 << TERM_BITS, dtype=np.int64)
        char_df = np.zeros(1 << CHAR_BITS, dtype=np.int64)
        documents = 0
        stream = iter(texts)
        while batch := list(islice(stream, FIT_BATCH)):
            arrays = CharArrays.of(batch)
            term_df += _document_frequency(*_term_buckets(arrays), TERM_BITS)
            char_df += _document_frequency(*_char_buckets(arrays), CHAR_BITS)
            documents += len(batch)
        return cls(_idf(term_df, documents, min_df), _idf(char_df, documents, min_df))

    def blocks(self, texts: Sequence[str]) -> tuple[sparse.csr_matrix, ...]:
        """The three row-normalised blocks: terms, characters, dense."""
        arrays = CharArrays.of(texts)
        owners, columns = _term_buckets(arrays)
        terms = _weighted_rows(owners, columns, self.term_idf, arrays.n)
        owners, columns = _char_buckets(arrays)
        chars = _weighted_rows(owners, columns, self.char_idf, arrays.n)
        return terms, chars, dense_block(arrays)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """All three blocks side by side, repeats summed: the canonical form trainers expect."""
        matrix = sparse.hstack(self.blocks(texts), format="csr", dtype=np.float32)
        matrix.sum_duplicates()
        return matrix

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "term_idf": self.term_idf,
            "char_idf": self.char_idf,
            "layout": np.array([FORMAT, TERM_BITS, CHAR_BITS]),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Featurizer:
        layout = arrays.get("layout")
        if layout is None or layout.tolist() != [FORMAT, TERM_BITS, CHAR_BITS]:
            raise IncompatibleModel(
                "this model was built by an older featurizer: retrain it with `escucha train`"
            )
        return cls(arrays["term_idf"].astype(np.float32), arrays["char_idf"].astype(np.float32))


def _term_buckets(arrays: CharArrays) -> tuple[np.ndarray, np.ndarray]:
    owners, hashes = arrays.terms()
    return owners, bucket(hashes, TERM_BITS)


def _char_buckets(arrays: CharArrays) -> tuple[np.ndarray, np.ndarray]:
    owners, hashes = arrays.letter_ngrams(*CHAR_NGRAMS)
    return owners, bucket(hashes, CHAR_BITS)


def _document_frequency(owners: np.ndarray, columns: np.ndarray, bits: int) -> np.ndarray:
    distinct = np.unique((owners << bits) | columns)
    return np.bincount(distinct & ((1 << bits) - 1), minlength=1 << bits)


def _idf(document_frequency: np.ndarray, documents: int, min_df: int) -> np.ndarray:
    idf = np.log((1 + documents) / (1 + document_frequency)) + 1  # sklearn's smooth idf
    return np.where(document_frequency >= min_df, idf, 0.0).astype(np.float32)


def _weighted_rows(
    owners: np.ndarray, columns: np.ndarray, idf: np.ndarray, n: int
) -> sparse.csr_matrix:
    """Rows of idf per occurrence (repeats stay separate entries; products sum them)."""
    values = idf[columns]
    present = values > 0
    return _row_normalised(owners[present], columns[present], values[present], n, len(idf))


def dense_block(arrays: CharArrays) -> sparse.csr_matrix:
    """Lexicon, emoji, punctuation, masking and elongation counts, log-scaled, per text."""
    n = arrays.n
    counts = np.zeros((n, len(DENSE_NAMES)), dtype=np.float64)
    codes, valences, owners = _lexicon_hits(arrays)
    for code in (POSITIVE_WORD, NEGATIVE_WORD, POSITIVE_EMOJI, NEGATIVE_EMOJI):
        counts[:, code - 1] = np.bincount(owners[codes == code], minlength=n)
    counts[:, 4] = np.bincount(arrays.owner[arrays.points == ord("!")], minlength=n)
    counts[:, 5] = np.bincount(arrays.owner[arrays.points == ord("?")], minlength=n)
    counts[:, 6] = _masked(arrays) + arrays.masked_x
    counts[:, 7] = arrays.elongated
    counts[:, 8] = np.bincount(owners, weights=np.maximum(valences, 0), minlength=n)
    counts[:, 9] = np.bincount(owners, weights=-np.minimum(valences, 0), minlength=n)
    counts[:, 10] = np.bincount(arrays.token_owner[_profane(arrays)], minlength=n)
    width = len(DENSE_NAMES)
    return _row_normalised(
        np.repeat(np.arange(n), width),
        np.tile(np.arange(width), n),
        np.log1p(counts).ravel().astype(np.float32),
        n,
        width,
    )


def _lexicon_hits(arrays: CharArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Code, valence and owner of every lexicon token and emoticon in the batch."""
    codes, valences, owners = [], [], []
    table = token_table()
    row = table.find(arrays.token_hash)
    hit = row >= 0
    codes.append(table.codes[row[hit]])
    valences.append(table.valences[row[hit]])
    owners.append(arrays.token_owner[hit])
    for length, faces in emoticon_tables().items():
        start, hashes = arrays.windows(length)
        row = faces.find(hashes)
        hit = row >= 0
        codes.append(faces.codes[row[hit]])
        valences.append(faces.valences[row[hit]])
        owners.append(arrays.owner[start[hit]])
    return np.concatenate(codes), np.concatenate(valences), np.concatenate(owners)


def _masked(arrays: CharArrays) -> np.ndarray:
    """Per text, words masked with symbols: "p*ta", "%%%%"."""
    masks, letters = arrays.class_count(MASK), arrays.class_count(LETTER)
    masked = (masks > 0) & ((letters > 0) | (masks >= MASKED_RUN))
    return np.bincount(arrays.token_owner[masked], minlength=arrays.n)


def _profane(arrays: CharArrays) -> np.ndarray:
    """Which tokens are profane words, or begin with a profane stem."""
    words, stems = profane_tables()
    word = arrays.token_kind == WORD
    found = word & np.isin(arrays.token_hash, words)
    length = arrays.token_end - arrays.token_start
    for size, hashes in stems.items():
        long_enough = np.flatnonzero(word & (length >= size) & ~found)
        start = arrays.token_start[long_enough]
        prefix = arrays.span_hashes(start, start + size)
        found[long_enough[np.isin(prefix, hashes)]] = True
    return found


def _row_normalised(
    owners: np.ndarray, columns: np.ndarray, values: np.ndarray, n: int, width: int
) -> sparse.csr_matrix:
    """A CSR block from entries grouped by row, each row scaled to unit L2 norm."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(owners, minlength=n), out=indptr[1:])
    norms = np.sqrt(np.bincount(owners, weights=values.astype(np.float64) ** 2, minlength=n))
    norms[norms == 0] = 1.0
    data = (values / norms[owners]).astype(np.float32)
    return sparse.csr_matrix((data, columns.astype(np.int32), indptr), shape=(n, width))
