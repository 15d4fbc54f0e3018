"""A batch of texts as numpy arrays: code points, tokens, and a hash of any span.

Reading tweets one at a time in Python costs hundreds of microseconds each. Laid end to end as
one array of code points, a whole batch is tokenised and hashed in a few dozen vectorised
passes. A span's hash is the polynomial sum of its code points times powers of an odd base,
mod 2**64, taken from one prefix sum and shifted back by the inverse power of its start, so
equal strings hash equal wherever they sit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

BASE = 0x100000001B3  # odd, so it has an inverse mod 2**64
_BASE = np.uint64(BASE)
_INVERSE = np.uint64(pow(BASE, -1, 2**64))
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing spreads hashes over the buckets
NGRAM_SALT = np.uint64(0x27D4EB2F165667C5)
PAIR_SALT = np.uint64(0x5BD1E995)

# Character classes; code points past the table (emoji, most scripts) are OTHER.
OTHER, LETTER, DIGIT, SPACE, MASK = range(5)
MASK_SYMBOLS = "*%#@$"  # "p*ta", "%%%%": profanity masked by the writer
TABLE_SIZE = 0x3000
# Token kinds: words (letters, masking symbols, inner apostrophes), digit runs, lone symbols.
WORD, NUMBER, SYMBOL = 1, 2, 3
ELONGATION_RUN = 3  # "buenooooo": three or more of one letter read as one


@cache
def _class_table() -> np.ndarray:
    table = np.full(TABLE_SIZE, OTHER, dtype=np.uint8)
    for point in range(TABLE_SIZE):
        char = chr(point)
        if char.isalpha():
            table[point] = LETTER
        elif char.isdigit():
            table[point] = DIGIT
        elif char.isspace():
            table[point] = SPACE
    for char in MASK_SYMBOLS:
        table[ord(char)] = MASK
    return table


class _Powers:
    """BASE**k and BASE**-k mod 2**64, grown on demand and shared by every batch."""

    def __init__(self) -> None:
        self.up = np.ones(1, dtype=np.uint64)
        self.down = np.ones(1, dtype=np.uint64)

    def upto(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if len(self.up) <= n:
            size = max(n + 1, 2 * len(self.up))
            self.up = _cumulative_power(_BASE, size)
            self.down = _cumulative_power(_INVERSE, size)
        return self.up, self.down


def _cumulative_power(base: np.uint64, size: int) -> np.ndarray:
    factors = np.full(size, base, dtype=np.uint64)
    factors[0] = 1
    return np.cumprod(factors, dtype=np.uint64)


_POWERS = _Powers()


def prepare(texts: Sequence[str]) -> list[str]:
    """Lower-cased, typographic apostrophes made plain. Lower-casing can change a text's
    length ("İ"), so lengths are taken after it."""
    return [t.lower().replace("’", "'") for t in texts]


def bucket(hashes: np.ndarray, bits: int) -> np.ndarray:
    return ((hashes * _MIX) >> np.uint64(64 - bits)).astype(np.int64)


def _prefix_sums(points: np.ndarray) -> np.ndarray:
    up, _ = _POWERS.upto(len(points))
    sums = np.zeros(len(points) + 1, dtype=np.uint64)
    np.cumsum(points * up[: len(points)], dtype=np.uint64, out=sums[1:])
    return sums


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each position starts a run of equal values, and the length of its run."""
    starts = np.ones(len(values), dtype=bool)
    starts[1:] = values[1:] != values[:-1]
    run = np.cumsum(starts) - 1
    return starts, np.bincount(run)[run] if len(values) else np.zeros(0, dtype=np.int64)


@dataclass
class CharArrays:
    """One batch: code points (elongations squeezed), their classes, owners and tokens."""

    n: int
    points: np.ndarray  # uint64 code points
    classes: np.ndarray
    owner: np.ndarray  # which text each position belongs to
    elongated: np.ndarray  # per text: runs squeezed
    masked_x: np.ndarray  # per text: "xxx" runs, a masking habit of their own
    token_start: np.ndarray
    token_end: np.ndarray
    token_kind: np.ndarray
    token_owner: np.ndarray
    token_hash: np.ndarray
    _sums: np.ndarray

    @classmethod
    def of(cls, texts: Sequence[str]) -> CharArrays:
        lowered = prepare(texts)
        joined = "".join(f" {t} " for t in lowered)  # each text framed by its own spaces
        points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        lengths = np.fromiter((len(t) + 2 for t in lowered), dtype=np.int64, count=len(texts))
        owner = np.repeat(np.arange(len(texts)), lengths)
        classes = _classes(points)
        starts, run_length = _runs(np.where(classes == LETTER, points, 0))
        long_run = (run_length >= ELONGATION_RUN) & (classes == LETTER)
        first_of_long = starts & long_run
        counts = (
            np.bincount(owner[first_of_long], minlength=len(texts)),
            np.bincount(owner[first_of_long & (points == ord("x"))], minlength=len(texts)),
        )
        keep = starts | ~long_run
        points, classes, owner = points[keep], classes[keep], owner[keep]
        sums = _prefix_sums(points)
        start, end, kind = _tokens(classes)
        _, down = _POWERS.upto(len(points))
        return cls(
            n=len(texts),
            points=points,
            classes=classes,
            owner=owner,
            elongated=counts[0],
            masked_x=counts[1],
            token_start=start,
            token_end=end,
            token_kind=kind,
            token_owner=owner[start],
            token_hash=(sums[end] - sums[start]) * down[start],
            _sums=sums,
        )

    def span_hashes(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        _, down = _POWERS.upto(len(self.points))
        return (self._sums[end] - self._sums[start]) * down[start]

    def windows(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Start and hash of every n code points in a row that stay within one text."""
        start = np.arange(max(len(self.points) - n + 1, 0))
        start = start[self.owner[start] == self.owner[start + n - 1]]
        return start, self.span_hashes(start, start + n)

    def class_count(self, token_class: int) -> np.ndarray:
        """Per token, how many of its characters are of one class."""
        seen = np.zeros(len(self.points) + 1, dtype=np.int64)
        np.cumsum(self.classes == token_class, out=seen[1:])
        return seen[self.token_end] - seen[self.token_start]

    def letter_ngrams(self, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
        """Owners and salted hashes of the character n-grams of each run of letters, read
        with a space on either side (" no " gives " n", "no", "o ", " no", "no ", " no "),
        in text order."""
        letter = self.classes == LETTER
        keep = letter.copy()  # letters, and the spaces that touch them
        keep[1:] |= letter[:-1]
        keep[:-1] |= letter[1:]
        stream = np.where(letter, self.points, np.uint64(ord(" ")))[keep]
        owner, letter = self.owner[keep], letter[keep]
        size = len(stream)
        sums = _prefix_sums(stream)
        _, down = _POWERS.upto(size)
        spaces = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(~letter, out=spaces[1:])
        # Column k holds the (low + k)-gram starting at each position; reading the valid ones
        # row by row keeps them in text order with no sort. Each text is framed by spaces, so
        # a gram with no space inside never reaches into the next text.
        widths = range(low, high + 1)
        hashes = np.zeros((size, len(widths)), dtype=np.uint64)
        valid = np.zeros((size, len(widths)), dtype=bool)
        for k, n in enumerate(widths):
            m = max(size - n + 1, 0)
            valid[:m, k] = spaces[n - 1 : n - 1 + m] == spaces[1 : 1 + m]
            if n == 2:
                valid[:m, k] &= letter[:m] | letter[1 : 1 + m]
            hashes[:m, k] = (sums[n : n + m] - sums[:m]) * down[:m] + np.uint64(n) * NGRAM_SALT
        rows = np.broadcast_to(owner[:, None], valid.shape)
        return rows[valid], hashes[valid]

    def terms(self) -> tuple[np.ndarray, np.ndarray]:
        """Owners and hashes of every token and of every two tokens in a row, in text order
        (each pair right after its first token)."""
        return with_pairs(self.token_owner, self.token_hash)


def with_pairs(owner: np.ndarray, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each hash followed by the hash of it and the next one of the same owner, so the
    result stays grouped by owner; `owner` must already be grouped."""
    count = len(hashes)
    pair = np.zeros(count, dtype=np.uint64)
    pair[:-1] = hashes[:-1] * _BASE + hashes[1:] + PAIR_SALT
    valid = np.ones((count, 2), dtype=bool)
    valid[:, 1] = False
    valid[:-1, 1] = owner[1:] == owner[:-1]
    rows = np.broadcast_to(owner[:, None], valid.shape)
    return rows[valid], np.stack([hashes, pair], axis=1)[valid]


def _classes(points: np.ndarray) -> np.ndarray:
    table = _class_table()
    classes = np.full(len(points), OTHER, dtype=np.uint8)
    small = points < TABLE_SIZE
    classes[small] = table[points[small]]
    # An apostrophe between letters belongs to the word: "don't", "i'm".
    quote = np.flatnonzero(points == ord("'"))
    quote = quote[(quote > 0) & (quote < len(points) - 1)]
    quote = quote[(classes[quote - 1] == LETTER) & (classes[quote + 1] == LETTER)]
    classes[quote] = LETTER
    return classes


def _tokens(classes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    kind = np.zeros(len(classes), dtype=np.int8)
    kind[(classes == LETTER) | (classes == MASK)] = WORD
    kind[classes == DIGIT] = NUMBER
    kind[classes == OTHER] = SYMBOL
    before = np.concatenate([[0], kind[:-1]]).astype(np.int8)
    after = np.concatenate([kind[1:], [0]]).astype(np.int8)
    present = kind != 0
    start = np.flatnonzero(present & ((kind != before) | (kind == SYMBOL)))
    end = np.flatnonzero(present & ((kind != after) | (kind == SYMBOL))) + 1
    return start, end, kind[start]


def lone_token_hashes(tokens: Sequence[str]) -> list[int | None]:
    """The hash each string gets as a token in any batch, or None if it reads as several."""
    arrays = CharArrays.of(tokens)
    per_text = np.bincount(arrays.token_owner, minlength=len(tokens))
    first = np.searchsorted(arrays.token_owner, np.arange(len(tokens)))
    return [
        int(arrays.token_hash[first[i]]) if per_text[i] == 1 else None for i in range(len(tokens))
    ]
