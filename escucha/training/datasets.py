"""The labelled corpora in ../shared/data, each read into (text, label) pairs.

The files are research-only: they are read where they lie and never copied into the project.
Labels are mapped to escucha's: sentiment `negative | neutral | positive`, yes/no as `no | yes`.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from escucha.nlp.text import clean

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data"
SENTIMENT = ("negative", "neutral", "positive")
YES_NO = ("no", "yes")


class DataMissing(FileNotFoundError):
    pass


def data_dir() -> Path:
    return Path(os.environ.get("ESCUCHA_SHARED_DATA", DEFAULT_DATA_DIR))


@dataclass(frozen=True)
class Corpus:
    name: str
    lang: str
    texts: list[str]
    labels: list[str]
    groups: list[str] | None = None  # e.g. TASS 2020's country variant
    weights: list[float] | None = None  # per-example trust in the label, where annotators gave one

    def __len__(self) -> int:
        return len(self.texts)


def _rows(file: str) -> list[dict[str, str]]:
    """Rows of a CSV, or of a TSV read without quote handling (its tweets contain quotes)."""
    path = data_dir() / file
    if not path.exists():
        raise DataMissing(f"{path} not found: the labelled data lives in ../shared/data")
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix == ".tsv":
            return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
        return list(csv.DictReader(handle))


def _corpus(
    name: str,
    lang: str,
    pairs: list[tuple[str, str]],
    groups: list[str] | None = None,
    weights: list[float] | None = None,
) -> Corpus:
    keep = [i for i, (t, label) in enumerate(pairs) if t and label]
    return Corpus(
        name,
        lang,
        [clean(pairs[i][0]).text for i in keep],
        [pairs[i][1] for i in keep],
        [groups[i] for i in keep] if groups else None,
        [weights[i] for i in keep] if weights else None,
    )


def tass2020() -> Corpus:
    """TASS 2020 task 1: Spanish tweets from Spain, Costa Rica, Mexico, Peru and Uruguay."""
    labels = {"N": "negative", "NEU": "neutral", "P": "positive"}
    rows = _rows("tass2020_train.tsv")
    pairs = [(r["text"], labels[r["label"]]) for r in rows]
    return _corpus("TASS 2020", "es", pairs, [r["variant"] for r in rows])


def tass2012() -> Corpus:
    """TASS 2012 general corpus (Spain); NONE (no opinion) counts as neutral."""
    labels = {"N": "negative", "NEU": "neutral", "P": "positive", "NONE": "neutral"}
    rows = _rows("tass2012_general_3l.tsv")
    return _corpus("TASS 2012", "es", [(r["content"], labels[r["polarity"]]) for r in rows])


def spanish_airlines() -> Corpus:
    rows = _rows("es_airline_tweets.csv")
    return _corpus(
        "Spanish airline tweets", "es", [(r["text"], r["airline_sentiment"]) for r in rows]
    )


def us_airlines() -> Corpus:
    """Crowd-labelled; each label's annotator agreement (squared) weighs it in training."""
    rows = _rows("us_airline_tweets.csv")
    pairs = [(r["text"], r["airline_sentiment"]) for r in rows]
    trust = [float(r["airline_sentiment_confidence"] or 1.0) ** 2 for r in rows]
    return _corpus("US airline tweets", "en", pairs, weights=trust)


def _emoevent_rows() -> list[dict[str, str]]:
    return _rows("emoevent_es_train.tsv") + _rows("emoevent_es_dev.tsv")


# EmoEvent labels emotions, not polarity; only the clear ones say which way a tweet leans.
EMOTION_POLARITY = {
    "joy": "positive",
    "anger": "negative",
    "sadness": "negative",
    "disgust": "negative",
    "fear": "negative",
    "others": "neutral",
}


def emoevent_sentiment() -> Corpus:
    rows = _emoevent_rows()
    pairs = [(r["tweet"], EMOTION_POLARITY.get(r["emotion"], "")) for r in rows]
    return _corpus("EmoEvent (emotion as polarity)", "es", pairs)


def emoevent_offensive() -> Corpus:
    rows = _emoevent_rows()
    pairs = [(r["tweet"], "yes" if r["offensive"] == "OFF" else "no") for r in rows]
    return _corpus("EmoEvent offensive", "es", pairs)


# Reasons in the US airline set that state a breach of expectations (Preotiuc-Pietro et al.'s
# definition of a complaint); "Can't Tell" is negative without saying what went wrong.
COMPLAINT_REASONS = {
    "Customer Service Issue",
    "Late Flight",
    "Lost Luggage",
    "Cancelled Flight",
    "Bad Flight",
    "Flight Booking Problems",
    "Damaged Luggage",
    "longlines",
    "Flight Attendant Complaints",
}


def us_airline_complaints() -> Corpus:
    rows = _rows("us_airline_tweets.csv")
    pairs = [
        (r["text"], "yes" if r["negativereason"] in COMPLAINT_REASONS else "no")
        for r in rows
        if r["airline_sentiment"] != "negative" or r["negativereason"] in COMPLAINT_REASONS
    ]
    return _corpus("US airline complaints", "en", pairs)


def spanish_airline_complaints() -> Corpus:
    """A proxy: in tweets to airlines, a negative one nearly always states a broken expectation."""
    rows = _rows("es_airline_tweets.csv")
    pairs = [(r["text"], "yes" if r["airline_sentiment"] == "negative" else "no") for r in rows]
    return _corpus("Spanish airline complaints (negative as proxy)", "es", pairs)


LOADERS: dict[str, Callable[[], Corpus]] = {
    "tass2020": tass2020,
    "tass2012": tass2012,
    "es_airlines": spanish_airlines,
    "us_airlines": us_airlines,
    "emoevent_sentiment": emoevent_sentiment,
    "emoevent_offensive": emoevent_offensive,
    "us_airline_complaints": us_airline_complaints,
    "es_airline_complaints": spanish_airline_complaints,
}
