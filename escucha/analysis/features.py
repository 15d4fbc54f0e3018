"""Turning cleaned mention texts into the sparse TF-IDF rows the linear models read.

Three blocks, each L2-normalised on its own so none drowns the others:
- terms: word unigrams and bigrams ("no bueno" carries the negation);
- characters: 2-5-grams of each word padded with spaces, so misspellings, inflections and
  dialects share features;
- lexicon: a few dense counts (polarity words, emoji, masked profanity, ! and ?, elongation).

Speed: social text repeats the same whitespace-delimited chunks endlessly ("vuelo", "gracias!",
"😡"), so each chunk is read once (tokens, unigram ids, character n-gram ids, counts) and
cached; a text is then a handful of dict lookups, and bigrams are looked up by their pair of
unigram ids rather than by building strings. The same code builds the training matrix and the
run-time one, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from typing import NamedTuple

import numpy as np
from scipy import sparse

from escucha.analysis import emoji_valence, lexicon
from escucha.analysis.offensive import PROFANITY

CHAR_NGRAMS = (2, 5)
CACHE_LIMIT = 300_000
TOKEN = re.compile(
    r"[\w']*[*%#@$][\w*%#@$]*"  # words with masking symbols: p*ta, %%%%
    r"|[^\W\d_]+(?:'[^\W\d_]+)?"  # words, with English contractions
    r"|\d+"
    r"|[:;=]-?[()dp/\\|]"  # emoticons (text is lower-cased)
    r"|[!?¿¡.,;:]"
    r"|[\U0001F300-\U0001FAFF\u2600-\u27BF]"  # emoji
)
ELONGATION = re.compile(r"([^\W\d_])\1{2,}")
MASKED = re.compile(r"x{3,}|[%#@$&*]{3,}|\w+[*%#@$]+\w*|[*%#@$]+\w+")
DENSE_NAMES = (
    "positive_words", "negative_words", "positive_emoji", "negative_emoji",
    "exclamations", "questions", "masked_profanity", "elongated",
    "positive_valence", "negative_valence", "profane_words",
)  # fmt: skip
COUNTED = 8  # the first eight count token codes; then lexicon valence sums, then profanity
# A token's code names the dense count it adds to (1-based; 0: none).
POSITIVE_WORD, NEGATIVE_WORD, POSITIVE_EMOJI, NEGATIVE_EMOJI, BANG, ASK, MASK = range(1, 8)
ELONGATED = 8
NO_IDS = np.zeros(0, dtype=np.int32)
NO_VALUES = np.zeros(0, dtype=np.float32)


class Token(NamedTuple):
    term: str
    code: int
    is_word: bool
    valence: float = 0.0
    profane: bool = False


@cache
def valences() -> dict[str, float]:
    return {
        **lexicon.english(),
        **lexicon.spanish(),
        **emoji_valence.EMOTICONS,
        **emoji_valence.EMOJI,
    }


@cache
def token_codes() -> dict[str, int]:
    codes: dict[str, int] = {}
    for word, value in {**lexicon.english(), **lexicon.spanish()}.items():
        codes[word] = POSITIVE_WORD if value > 0 else NEGATIVE_WORD
    for table in (emoji_valence.EMOJI, emoji_valence.EMOTICONS):
        for token, value in table.items():
            if value:
                codes[token] = POSITIVE_EMOJI if value > 0 else NEGATIVE_EMOJI
    codes["!"], codes["?"] = BANG, ASK
    return codes


def read_chunk(chunk: str) -> list[Token]:
    """The tokens of one lower-cased whitespace-delimited chunk."""
    codes, valence = token_codes(), valences()
    tokens = []
    for raw in TOKEN.findall(chunk):
        term = ELONGATION.sub(r"\1", raw)
        code = MASK if MASKED.fullmatch(raw) else codes.get(term, 0)
        profane = PROFANITY.fullmatch(term) is not None
        tokens.append(Token(term, code, term.isalpha(), valence.get(term, 0.0), profane))
        if term != raw:
            tokens.append(Token("", ELONGATED, False))  # counted, never a term
    return [t for t in tokens if t.term] + [t for t in tokens if not t.term]


def chunks_of(text: str) -> list[str]:
    return text.lower().replace("’", "'").split()


def char_ngrams(word: str) -> list[str]:
    padded = f" {word} "
    low, high = CHAR_NGRAMS
    return [padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)]


# A chunk as the featurizer sees it: unigram ids (-1 if unknown); its distinct character n-gram
# ids with their sublinear-tf × idf values (counted within each word, so an n-gram two words
# share appears twice in a row and the matrix product sums it); and the row of its raw dense
# values in the featurizer's dense table.
Chunk = tuple[tuple[int, ...], np.ndarray, np.ndarray, int]


def dense_values(tokens: list[Token]) -> tuple[float, ...]:
    codes = [t.code for t in tokens]
    return (
        *(float(codes.count(code)) for code in range(1, COUNTED + 1)),
        sum(t.valence for t in tokens if t.valence > 0),
        -sum(t.valence for t in tokens if t.valence < 0),
        float(sum(t.profane for t in tokens)),
    )


@dataclass
class Featurizer:
    """Vocabularies and IDF weights fitted on training texts; columns: terms | chars | dense."""

    unigrams: dict[str, int]
    bigrams: dict[int, int]  # first id × len(unigrams) + second id → bigram index
    chars: dict[str, int]
    term_idf: np.ndarray  # unigrams then bigrams
    char_idf: np.ndarray
    _chunks: dict[str, Chunk] = field(default_factory=dict, repr=False)
    _dense_rows: np.ndarray = field(init=False, repr=False)
    _bigram_keys: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Bigram indices are the positions of their keys in sorted order (see `fit`).
        self._bigram_keys = np.fromiter(self.bigrams, dtype=np.int64, count=len(self.bigrams))
        self._dense_rows = np.zeros((CACHE_LIMIT, len(DENSE_NAMES)), dtype=np.float32)

    @property
    def n_terms(self) -> int:
        return len(self.unigrams) + len(self.bigrams)

    @property
    def width(self) -> int:
        return self.n_terms + len(self.chars) + len(DENSE_NAMES)

    @classmethod
    def fit(cls, texts: Iterable[str], min_df: int = 2) -> Featurizer:
        readings: dict[str, list[Token]] = {}
        documents: list[list[Token]] = []
        for text in texts:
            tokens = []
            for chunk in chunks_of(text):
                if chunk not in readings:
                    readings[chunk] = read_chunk(chunk)
                tokens.extend(readings[chunk])
            documents.append(tokens)
        n = len(documents)
        uni_df = Counter(term for doc in documents for term in {t.term for t in doc if t.term})
        char_df = Counter(
            g
            for doc in documents
            for w in {t.term for t in doc if t.is_word}
            for g in char_ngrams(w)
        )
        unigrams = _vocabulary(uni_df, min_df)
        width = len(unigrams)
        bi_df: Counter[int] = Counter()
        for doc in documents:
            ids = [unigrams.get(t.term, -1) for t in doc if t.term]
            bi_df.update({a * width + b for a, b in pairwise(ids) if a >= 0 <= b})
        bigrams = {
            key: i for i, key in enumerate(sorted(k for k, df in bi_df.items() if df >= min_df))
        }
        chars = _vocabulary(char_df, min_df)
        term_df = [uni_df[t] for t in unigrams] + [bi_df[k] for k in bigrams]
        return cls(
            unigrams=unigrams,
            bigrams=bigrams,
            chars=chars,
            term_idf=_idf(term_df, n),
            char_idf=_idf([char_df[g] for g in chars], n),
        )

    def _chunk(self, chunk: str) -> Chunk:
        tokens = read_chunk(chunk)
        terms = tuple(self.unigrams.get(t.term, -1) for t in tokens if t.term)
        grams = (self.chars.get(g) for t in tokens if t.is_word for g in char_ngrams(t.term))
        tally = Counter(i for i in grams if i is not None)
        ids = np.fromiter(tally.keys(), dtype=np.int32, count=len(tally))
        counts = np.fromiter(tally.values(), dtype=np.float32, count=len(tally))
        values = ((1.0 + np.log(counts)) * self.char_idf[ids]).astype(np.float32)
        row = len(self._chunks)
        if row >= len(self._dense_rows):  # one batch bigger than the cache: grow for it
            self._dense_rows = np.concatenate([self._dense_rows, np.zeros_like(self._dense_rows)])
        self._dense_rows[row] = dense_values(tokens)
        reading = self._chunks[chunk] = (terms, ids.astype(np.int32), values, row)
        return reading

    def blocks(self, texts: Sequence[str]) -> tuple[sparse.csr_matrix, ...]:
        """The three row-normalised blocks: terms, characters, dense."""
        unigrams: list[int] = []
        unigram_counts: list[int] = []
        char_ids: list[np.ndarray] = []
        char_values: list[np.ndarray] = []
        char_counts: list[int] = []
        dense_rows: list[int] = []
        chunk_counts: list[int] = []
        if len(self._chunks) >= CACHE_LIMIT:  # forget between batches, never inside one
            self._chunks.clear()
        known, read = self._chunks.get, self._chunk
        for text in texts:
            chunks = [known(c) or read(c) for c in chunks_of(text)]
            ids = [i for c in chunks for i in c[0]]
            unigrams.extend(ids)
            unigram_counts.append(len(ids))
            arrays = [c[1] for c in chunks]
            char_ids.extend(arrays)
            char_values.extend(c[2] for c in chunks)
            char_counts.append(sum(map(len, arrays)))
            dense_rows.extend(c[3] for c in chunks)
            chunk_counts.append(len(chunks))
        return (
            self._term_block(np.asarray(unigrams, dtype=np.int64), unigram_counts),
            _row_normalised(
                np.concatenate(char_ids) if char_ids else NO_IDS,
                np.concatenate(char_values) if char_values else NO_VALUES,
                char_counts,
                len(self.chars),
            ),
            self._dense_block(np.asarray(dense_rows, dtype=np.int64), chunk_counts),
        )

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return sparse.hstack(self.blocks(texts), format="csr", dtype=np.float32)

    def _term_block(self, unigrams: np.ndarray, counts: list[int]) -> sparse.csr_matrix:
        """Unigrams and the bigrams of adjacent known unigrams, tf-idf weighted, per row."""
        n, width = len(counts), len(self.unigrams)
        rows = np.repeat(np.arange(n, dtype=np.int64), counts)
        first, second = unigrams[:-1], unigrams[1:]
        adjacent = (rows[:-1] == rows[1:]) & (first >= 0) & (second >= 0)
        keys = first[adjacent] * width + second[adjacent]
        where = np.searchsorted(self._bigram_keys, keys)
        known = where < len(self._bigram_keys)
        known[known] = self._bigram_keys[where[known]] == keys[known]
        known_unigram = unigrams >= 0
        all_rows = np.concatenate([rows[known_unigram], rows[:-1][adjacent][known]])
        columns = np.concatenate([unigrams[known_unigram], width + where[known]])
        unique, tallies = np.unique(all_rows * self.n_terms + columns, return_counts=True)
        row, column = np.divmod(unique, self.n_terms)
        values = ((1.0 + np.log(tallies)) * self.term_idf[column]).astype(np.float32)
        per_row = np.bincount(row, minlength=n)
        return _row_normalised(column.astype(np.int32), values, per_row, self.n_terms)

    def _dense_block(self, chunk_rows: np.ndarray, chunk_counts: list[int]) -> sparse.csr_matrix:
        n = len(chunk_counts)
        owner = np.repeat(np.arange(n), chunk_counts)
        table = self._dense_rows[chunk_rows]
        sums = np.stack(
            [np.bincount(owner, weights=table[:, k], minlength=n) for k in range(len(DENSE_NAMES))],
            axis=1,
        )
        raw = np.log1p(sums.astype(np.float32))
        return _row_normalised(
            np.tile(np.arange(len(DENSE_NAMES), dtype=np.int32), n),
            raw.ravel(),
            [len(DENSE_NAMES)] * n,
            len(DENSE_NAMES),
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "unigrams": _pack(self.unigrams),
            "bigram_keys": np.fromiter(self.bigrams, dtype=np.int64, count=len(self.bigrams)),
            "chars": _pack(self.chars),
            "term_idf": self.term_idf,
            "char_idf": self.char_idf,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> Featurizer:
        return cls(
            unigrams=_unpack(arrays["unigrams"]),
            bigrams={k: i for i, k in enumerate(arrays["bigram_keys"].tolist())},
            chars=_unpack(arrays["chars"]),
            term_idf=arrays["term_idf"].astype(np.float32),
            char_idf=arrays["char_idf"].astype(np.float32),
        )


def _pack(vocabulary: dict[str, int]) -> np.ndarray:
    """Strings in id order as newline-separated UTF-8: compact, and no pickling to load."""
    return np.frombuffer("\n".join(vocabulary).encode("utf-8"), dtype=np.uint8)


def _unpack(packed: np.ndarray) -> dict[str, int]:
    text = packed.tobytes().decode("utf-8")
    return {term: i for i, term in enumerate(text.split("\n"))} if text else {}


def _vocabulary(document_frequency: Counter[str], min_df: int) -> dict[str, int]:
    kept = sorted(t for t, df in document_frequency.items() if df >= min_df)
    return {t: i for i, t in enumerate(kept)}


def _idf(document_frequencies: list[int], n: int) -> np.ndarray:
    df = np.asarray(document_frequencies, dtype=np.float64)
    return (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)  # sklearn's smooth idf


def _row_normalised(
    columns: np.ndarray, values: np.ndarray, lengths: Sequence[int] | np.ndarray, width: int
) -> sparse.csr_matrix:
    """A CSR block from rows laid end to end, each scaled to unit L2 norm (empty rows stay 0)."""
    counts = np.asarray(lengths, dtype=np.int64)
    indptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    rows = np.repeat(np.arange(len(counts)), counts)
    norms = np.sqrt(
        np.bincount(rows, weights=values.astype(np.float64) ** 2, minlength=len(counts))
    )
    norms[norms == 0] = 1.0
    data = (values / norms[rows]).astype(np.float32)
    return sparse.csr_matrix((data, columns, indptr), shape=(len(counts), width))
