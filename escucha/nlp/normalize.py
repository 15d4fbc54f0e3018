"""Stage one: clean the text, pull out entities, identify the language."""

from __future__ import annotations

from escucha.core.models import NormalizedMention, StagedMention, extend
from escucha.nlp import language, text


def normalize(mention: StagedMention) -> NormalizedMention:
    cleaned = text.clean(mention.text)
    lang, confidence = language.detect(cleaned.text)
    return extend(
        NormalizedMention,
        mention,
        clean_text=cleaned.text,
        handles=cleaned.handles,
        hashtags=cleaned.hashtags,
        urls=cleaned.urls,
        lang=lang,
        lang_confidence=confidence,
    )
