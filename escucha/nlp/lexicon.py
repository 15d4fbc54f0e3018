"""Polarity lexicons: word → valence, roughly on VADER's −4..4 scale."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from pathlib import Path

SPANISH_FILES = ("elhpolar_es.tsv", "afinn_es.tsv")
SPANISH_WEIGHT = 1.0  # per list that agrees; a word both lists carry weighs twice
Lexicon = dict[str, float]


def _read_polarity_tsv(path: Path) -> dict[str, int]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return {r["word"].lower(): 1 if r["polarity"] == "positive" else -1 for r in rows}


@cache
def spanish() -> Lexicon:
    folder = resources.files("escucha.nlp") / "lexicons"
    merged: Lexicon = {}
    for name in SPANISH_FILES:
        with resources.as_file(folder / name) as path:
            for word, sign in _read_polarity_tsv(path).items():
                merged[word] = merged.get(word, 0.0) + sign * SPANISH_WEIGHT
    return {w: v * 1.5 for w, v in merged.items() if v}


@cache
def english() -> Lexicon:
    folder = resources.files("vaderSentiment")
    lexicon: Lexicon = {}
    with resources.as_file(folder / "vader_lexicon.txt") as path:
        for line in path.read_text(encoding="utf-8").splitlines():
            word, valence, *_ = line.split("\t")
            lexicon[word] = float(valence)
    return lexicon


def for_language(lang: str) -> Lexicon:
    """The lexicon to read a text with; languages without one of their own fall back to Spanish."""
    return english() if lang == "en" else spanish()
