"""The whole analysis of one mention: sentiment, intent, complaint, offensive."""

from __future__ import annotations

from escucha.analysis import intent, offensive
from escucha.analysis.sentiment import SentimentScorer
from escucha.analysis.tokens import fold, tokenize
from escucha.models import Analysis, Intent

# Long posts are read from their start: that is where customers state the problem.
MAX_ANALYSED_CHARS = 5_000


class Analyzer:
    """Holds the lexicons once per process; `analyze` is pure."""

    def __init__(self) -> None:
        self._scorers: dict[str, SentimentScorer] = {}

    def _scorer(self, lang: str) -> SentimentScorer:
        key = lang if lang in ("es", "en") else "other"
        if key not in self._scorers:
            self._scorers[key] = SentimentScorer(key)
        return self._scorers[key]

    def analyze(self, clean_text: str, lang: str) -> Analysis:
        text = clean_text[:MAX_ANALYSED_CHARS]
        tokens = tokenize(text)
        sentiment = self._scorer(lang).score(tokens)
        kind = intent.classify(fold(text), sentiment.label, sentiment.score)
        return Analysis(
            lang=lang,
            sentiment=sentiment.label,
            sentiment_score=sentiment.score,
            intent=kind,
            complaint=kind in (Intent.complaint, Intent.claim),
            offensive=offensive.is_offensive(text, tokens),
        )
