"""Which language a mention is written in."""

from __future__ import annotations

import re
from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# The languages of the markets escucha serves and those most often confused with Spanish.
CANDIDATES = ("es", "en", "pt", "ca", "gl", "it", "fr", "de")
UNDETERMINED = "und"
LETTER = re.compile(r"[^\W\d_]")
MIN_LETTERS = 3


@cache
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(CANDIDATES))
    return identifier


def detect(text: str) -> tuple[str, float]:
    """ISO 639-1 code and confidence in [0, 1]; 'und' when there are too few letters to tell."""
    if len(LETTER.findall(text)) < MIN_LETTERS:
        return UNDETERMINED, 0.0
    lang, confidence = _identifier().classify(text)
    return str(lang), round(float(confidence), 3)
