"""Where each training corpus comes from and on what terms: what a model card says of it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

RESEARCH = "research and non-commercial use"


@dataclass(frozen=True)
class Provenance:
    dataset: str
    citation: str
    licence: str
    terms: str


_TASS = "SEPLN TASS data licence"
_AIRLINES_US = Provenance(
    "Twitter US Airline Sentiment (Crowdflower, Data for Everyone, 2015)",
    "Crowdflower / Figure Eight, via Kaggle",
    "CC BY-NC-SA 4.0",
    "attribution, non-commercial, share-alike",
)
_AIRLINES_ES = Provenance(
    "Spanish airline tweets (Kaggle InClass competition, Oct 2017 - Jan 2018)",
    "Kaggle InClass competition on the sentiment of Spanish airline tweets",
    "Kaggle InClass competition data",
    RESEARCH,
)
_EMOEVENT = Provenance(
    "EmoEvent, Spanish part",
    "Plaza-del-Arco et al., EmoEvent: A Multilingual Emotion Corpus based on different "
    "Events, LREC 2020",
    "research licence of the EmoEvent authors",
    RESEARCH,
)
PROVENANCE = {
    "tass2020": Provenance(
        "TASS 2020 task 1 (IberLEF 2020)",
        "García-Vega et al., Overview of TASS 2020: Introducing Emotion Detection, IberLEF 2020",
        _TASS,
        RESEARCH,
    ),
    "tass2012": Provenance(
        "TASS 2012 general corpus, training part",
        "Villena-Román et al., TASS - Workshop on Sentiment Analysis at SEPLN, 2013",
        _TASS,
        RESEARCH,
    ),
    "es_airlines": _AIRLINES_ES,
    "es_airline_complaints": _AIRLINES_ES,
    "us_airlines": _AIRLINES_US,
    "us_airline_complaints": _AIRLINES_US,
    "emoevent_sentiment": _EMOEVENT,
    "emoevent_offensive": _EMOEVENT,
}
OWN_DATA = Provenance("your own labelled history", "", "yours", "yours")


def describe(corpus: str) -> dict[str, str]:
    return asdict(PROVENANCE.get(corpus, OWN_DATA))
