"""The whole analysis of a batch of mentions: sentiment, intent, complaint, offensive.

With a model, sentiment, complaint and offensive language come from its linear heads; without
one, from the lexicons and rules (`fallback`). Intent cues are rules either way, read together
with the sentiment.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from escucha.core.models import Analysis, Intent, Sentiment, assemble
from escucha.nlp import fallback, intent, offensive
from escucha.nlp.features import DENSE_NAMES
from escucha.nlp.model import LinearModel
from escucha.nlp.sentiment import SentimentScorer
from escucha.nlp.tokens import fold, fold_all, tokenize

SENTIMENTS = {s.value: s for s in Sentiment}
# Long posts are read from their start: that is where customers state the problem.
MAX_ANALYSED_CHARS = 5_000


class Analyzer:
    """Holds the model and lexicons once per process; analysing is pure."""

    def __init__(self, model: LinearModel | None = None) -> None:
        self.model = model
        self._scorers: dict[str, SentimentScorer] = {}

    def _scorer(self, lang: str) -> SentimentScorer:
        key = lang if lang in ("es", "en") else "other"
        if key not in self._scorers:
            self._scorers[key] = SentimentScorer(key)
        return self._scorers[key]

    def analyze(self, clean_text: str, lang: str) -> Analysis:
        return self.analyze_many([clean_text], [lang])[0]

    def analyze_many(self, clean_texts: Sequence[str], langs: Sequence[str]) -> list[Analysis]:
        texts = [t[:MAX_ANALYSED_CHARS] for t in clean_texts]
        if self.model is None:
            return [self._by_rules(text, lang) for text, lang in zip(texts, langs, strict=True)]
        return self._by_model(self.model, texts, langs)

    def _by_rules(self, text: str, lang: str) -> Analysis:
        tokens = tokenize(text)
        reading = fallback.read(fold(text), self._scorer(lang).score(tokens))
        rude = offensive.is_offensive(text, tokens)
        return _assembled(lang, reading.sentiment, reading.score, reading.intent, rude)

    def _by_model(
        self, model: LinearModel, texts: Sequence[str], langs: Sequence[str]
    ) -> list[Analysis]:
        blocks = model.featurizer.blocks(texts)
        scores = model.score_blocks(blocks)
        cursing = [DENSE_NAMES.index(n) for n in ("masked_profanity", "profane_words")]
        lexical = (blocks[-1].toarray()[:, cursing] > 0).any(axis=1)
        english = np.array([lang == "en" for lang in langs], dtype=bool)
        sentiments = _sentiment(model, scores, english)
        complaint = _yes(model, "complaint", scores).tolist()
        offensive = ((_yes(model, "offensive_es", scores) & ~english) | lexical).tolist()
        results = []
        for i, (text, folded, lang) in enumerate(zip(texts, fold_all(texts), langs, strict=True)):
            label, score = (
                sentiments[i] if sentiments else self._rule_sentiment(tokenize(text), lang)
            )
            results.append(_analysis(folded, lang, label, score, complaint[i], offensive[i]))
        return results

    def _rule_sentiment(self, tokens: list[str], lang: str) -> tuple[Sentiment, float]:
        result = self._scorer(lang).score(tokens)
        return result.label, result.score


def _sentiment(
    model: LinearModel, scores: np.ndarray, english: np.ndarray
) -> list[tuple[Sentiment, float]]:
    """Each text's label from its language's head, with P(positive) - P(negative) as its score.

    Empty when the model has no sentiment head; a language without its own head uses the other's.
    """
    heads = [h for h in ("sentiment_es", "sentiment_en") if h in model.heads]
    if not heads:
        return []
    spanish, english_head = heads[0], heads[-1]
    labels = np.empty(len(scores), dtype=object)
    polarity = np.zeros(len(scores))
    for head, rows in ((spanish, ~english), (english_head, english)):
        if not rows.any():
            continue
        probability = model.probabilities(head, scores[rows])
        order = model.heads[head].labels  # sorted: negative, neutral, positive
        labels[rows] = [order[i] for i in probability.argmax(axis=1)]
        polarity[rows] = (
            probability[:, order.index("positive")] - probability[:, order.index("negative")]
        )
    polarity = np.clip(polarity, -1.0, 1.0).round(4)
    return [(SENTIMENTS[label], p) for label, p in zip(labels, polarity.tolist(), strict=True)]


def _yes(model: LinearModel, head: str, scores: np.ndarray) -> np.ndarray:
    if head not in model.heads:
        return np.zeros(len(scores), dtype=bool)
    labels, _ = model.decide(head, scores)
    return np.array([label == "yes" for label in labels], dtype=bool)


def _analysis(
    folded: str,
    lang: str,
    sentiment: Sentiment,
    score: float,
    complaint_signal: bool,
    is_offensive: bool,
) -> Analysis:
    kind = intent.classify(folded, sentiment, score, complaint_signal)
    return _assembled(lang, sentiment, score, kind, is_offensive)


def _assembled(
    lang: str, sentiment: Sentiment, score: float, kind: Intent, is_offensive: bool
) -> Analysis:
    # Every field is already of its declared type: skip re-validation, tens of thousands a second.
    return assemble(
        Analysis,
        lang=lang,
        sentiment=sentiment,
        sentiment_score=score,
        intent=kind,
        complaint=kind in (Intent.complaint, Intent.claim),
        offensive=is_offensive,
    )
