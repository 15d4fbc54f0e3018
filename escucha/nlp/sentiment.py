"""Lexicon-and-rules sentiment for Spanish and English social posts.

Reads tokens left to right: a lexicon gives each word a valence; negators flip and soften the
next few words, intensifiers and diminishers scale the next one, a contrast ("pero", "but")
makes what follows count more than what came before, masked profanity and elongated words
add weight, exclamation marks amplify. The sum is squashed into [-1, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from escucha.core.models import Sentiment
from escucha.nlp import emoji_valence, lexicon, valence_shifters
from escucha.nlp.tokens import CLAUSE_BREAKS, is_elongated, is_masked_profanity, squeeze

MASKED_PROFANITY = -2.5
ELONGATION = 1.3
EXCLAMATION_STEP = 0.08
SQUASH_ALPHA = 8.0
NEUTRAL_BAND = 0.1


@dataclass(frozen=True)
class SentimentResult:
    label: Sentiment
    score: float


class SentimentScorer:
    """Scores token lists of one language."""

    def __init__(self, lang: str) -> None:
        self.lexicon = lexicon.for_language(lang)
        self.negators = valence_shifters.words_for(valence_shifters.NEGATORS, lang)
        self.intensifiers = valence_shifters.words_for(valence_shifters.INTENSIFIERS, lang)
        self.diminishers = valence_shifters.words_for(valence_shifters.DIMINISHERS, lang)
        self.contrasts = valence_shifters.words_for(valence_shifters.CONTRASTS, lang)

    def word_valence(self, token: str) -> float:
        if is_masked_profanity(token):
            return MASKED_PROFANITY
        value = self.lexicon.get(token)
        if value is None and is_elongated(token):
            value = self.lexicon.get(squeeze(token), 0.0) * ELONGATION
        return value or emoji_valence.valence(token)

    def raw_score(self, tokens: list[str]) -> float:
        total, negation_left, scale = 0.0, 0, 1.0
        for token in tokens:
            if token in CLAUSE_BREAKS:
                negation_left = 0
                continue
            if token in self.negators:
                negation_left = valence_shifters.NEGATION_SPAN
                continue
            if token in self.contrasts:
                total *= 0.5
                negation_left = 0
                continue
            if token in self.intensifiers:
                scale = valence_shifters.INTENSIFY
                continue
            if token in self.diminishers:
                scale = valence_shifters.DIMINISH
                continue
            value = self.word_valence(token)
            if value:
                if negation_left and not is_masked_profanity(token):
                    value *= valence_shifters.NEGATED
                total += value * scale
                scale = 1.0
            negation_left = max(0, negation_left - 1)
        exclamations = min(tokens.count("!"), 4)
        return total * (1 + EXCLAMATION_STEP * exclamations)

    def score(self, tokens: list[str]) -> SentimentResult:
        raw = self.raw_score(tokens)
        squashed = raw / math.sqrt(raw * raw + SQUASH_ALPHA)
        if squashed >= NEUTRAL_BAND:
            label = Sentiment.positive
        elif squashed <= -NEUTRAL_BAND:
            label = Sentiment.negative
        else:
            label = Sentiment.neutral
        return SentimentResult(label, round(squashed, 4))
