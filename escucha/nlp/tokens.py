"""Splitting mention text into the tokens the analysers read."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

# Masked profanity: "xxxx", "%%%%", "p*ta", "f***", "m!erda"; never plain "!!!" or "???".
MASKED = re.compile(r"^(?:[%#@$&*]{3,}|\w+[*%#@$]+\w*|[*%#@$]+\w+)$")
TOKEN = re.compile(
    r"[\w'’]*[*%#@$][\w*%#@$]*"  # words with masking symbols
    r"|[^\W\d_]+(?:['’][^\W\d_]+)?"  # words, with English contractions
    r"|[:;=]-?[()DPp/\\|]"  # emoticons
    r"|[!?¡¿]"
    r"|[.,;:]"  # clause boundaries: negation stops here
    r"|[\U0001F300-\U0001FAFF\u2600-\u27BF]"  # emoji
)
CLAUSE_BREAKS = frozenset(".,;:")
ELONGATED = re.compile(r"([^\W\d_])\1{2,}")


def tokenize(text: str) -> list[str]:
    return [t.replace("’", "'") for t in TOKEN.findall(text.lower())]


def squeeze(token: str) -> str:
    """'buenooooo' → 'bueno': runs of three or more letters become one."""
    return ELONGATED.sub(r"\1", token)


def is_elongated(token: str) -> bool:
    return ELONGATED.search(token) is not None


def is_masked_profanity(token: str) -> bool:
    if len(token) >= 3 and set(token) == {"x"}:
        return True
    return MASKED.match(token) is not None


_PLAIN = dict(zip("áéíóúüàèìòùâêîôûäëïöçãõñ", "aeiouuaeiouaeiouaeiocaon", strict=True))
_ACCENTED = re.compile(f"[{''.join(_PLAIN)}]")
COMBINING = re.compile("[\u0300-\u036f]")


def fold(text: str) -> str:
    """Lower-case without accents ('ñ' too), as the cue patterns are written."""
    quick = _fold_quickly(text)
    if quick is not None:
        return quick
    # Accents the table lacks, or typed as combining marks, go the slow way.
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _fold_quickly(text: str) -> str | None:
    """`fold` for text whose accents the table covers, else None."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    # A scan that stops only at accented letters beats str.translate's per-character lookups.
    lowered = _ACCENTED.sub(lambda m: _PLAIN[m.group()], lowered)
    if lowered.isascii() or not COMBINING.search(unicodedata.normalize("NFD", lowered)):
        return lowered
    return None


_SEPARATOR = "\x1f"  # the unit separator: never in cleaned text


def fold_all(texts: Sequence[str]) -> list[str]:
    """`fold` of each text, folded as one string where it can be: one call, not thousands."""
    if not texts or any(_SEPARATOR in t for t in texts):
        return [fold(t) for t in texts]
    quick = _fold_quickly(_SEPARATOR.join(texts))
    return quick.split(_SEPARATOR) if quick is not None else [fold(t) for t in texts]
