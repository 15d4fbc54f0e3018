"""Analysis without a model: lexicon sentiment, read together with the intent cues.

A lexicon alone scores words, not what a customer means: "quiero mi reembolso" is positive to
it ("quiero" is a feeling word), "envíenme la factura" negative. Customers' tone follows what
they want (see training/gold/GUIDE.md): a stated breach is negative, thanks are positive, and
questions, requests and offers to buy are neutral unless worded with strong feeling. So the
cues decide the intent first, and the intent sets the tone the lexicon could not.
"""

from __future__ import annotations

from dataclasses import dataclass

from escucha.core.models import Intent, Sentiment
from escucha.nlp import intent
from escucha.nlp.sentiment import SentimentResult

BREACH = 0.4  # a complaint or claim scores at least this negative
PRAISE = 0.4  # praise at least this positive
STRONG = 0.6  # a question or request keeps its lexicon tone only past this
BUSINESS = frozenset({Intent.lead, Intent.suggestion, Intent.request, Intent.question})


@dataclass(frozen=True)
class Reading:
    sentiment: Sentiment
    score: float
    intent: Intent


def read(folded: str, lexical: SentimentResult) -> Reading:
    """Intent and tone of an accent-folded text, from its cues and its lexicon score."""
    label, score = lexical.label, lexical.score
    cues = intent.cues_in(folded)
    if cues & {"claim", "complaint"} and "spam" not in cues:
        # A stated breach outweighs polite or wanting words around it.
        label, score = Sentiment.negative, min(score, -BREACH)
    kind = intent.classify(folded, label, score)
    return Reading(*_tone(kind, label, score), kind)


def _tone(kind: Intent, label: Sentiment, score: float) -> tuple[Sentiment, float]:
    if kind in (Intent.claim, Intent.complaint):
        return Sentiment.negative, min(score, -BREACH)
    if kind is Intent.praise:
        return Sentiment.positive, max(score, PRAISE)
    if kind is Intent.spam or (kind in BUSINESS and abs(score) < STRONG):
        return Sentiment.neutral, 0.0
    return label, score
