"""Closing pleasantries: "gracias", "ok", "perfecto", "👍", "thanks".

A customer's message that only thanks or acknowledges is recorded on the case, but neither
reopens a resolved case nor starts a next-response clock (Chatwoot's clock keeps running after
a "gracias", #10178). Anything more than that, a question or a new problem, is a message.
"""

from __future__ import annotations

import re

from escucha.nlp.tokens import fold

WORDS = (
    "gracias", "muchas gracias", "mil gracias", "muchisimas gracias", "gracias de nuevo",
    "ok", "okay", "okey", "vale", "perfecto", "genial", "estupendo", "de acuerdo", "entendido",
    "listo", "buenisimo", "dale", "recibido", "excelente", "muy amable", "un saludo", "saludos",
    "thanks", "thank you", "thanks a lot", "thank you so much", "thx", "ty", "cheers", "great",
    "perfect", "got it", "awesome", "cool", "noted", "much appreciated", "appreciated",
    "thanks again", "sounds good", "all good", "brilliant", "lovely", "nice", "super",
)  # fmt: skip
FILLER = (
    "si", "yes", "vale", "ok", "bueno", "pues", "oh", "ah", "a ti", "a vosotros", "a ustedes",
    "you too", "igualmente", "so much", "again", "de verdad", "to you",
)  # fmt: skip
EMOJI_OR_MARK = re.compile(
    "[\\s!¡.,;:…?¿\\-~*()\u2665\u2764\ufe0f\U0001f300-\U0001faff\u2600-\u27bf]+"
)
MAX_CHARS = 80
_PIECES = sorted({*WORDS, *FILLER}, key=len, reverse=True)
_ONLY_PLEASANTRIES = re.compile(
    r"^(?:(?:" + "|".join(re.escape(p) for p in _PIECES) + r")(?:\s+|$))+$"
)


def is_pleasantry(text: str) -> bool:
    """Only thanks, acknowledgement or emoji: no question, no new request."""
    if len(text) > MAX_CHARS or "?" in text:
        return False
    words = re.sub(r"@[\w.@]+", " ", fold(text))  # "@aerosol gracias!"
    words = EMOJI_OR_MARK.sub(" ", words).strip()
    if not words:
        return bool(text.strip())  # "👍", "🙏🙏"
    return _ONLY_PLEASANTRIES.match(words + " ") is not None
