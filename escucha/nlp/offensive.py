"""Offensive language: insults and profanity, spelled out or masked ("xxxx", "%%%%", "p*ta")."""

from __future__ import annotations

import re

from escucha.nlp.tokens import is_masked_profanity

# Stems match any word they begin ("mierda", "mierdoso"); words match only themselves.
PROFANE_STEMS = (
    "mierd", "jodid", "cabron", "cabrón", "pendej", "hostia", "imbecil", "imbécil", "idiot",
    "estupid", "estúpid", "capull", "subnormal", "maricon", "maricón", "chinga", "malparid",
    "malnacid", "inútil", "inutil", "ladron", "ladrón", "asqueros", "mamon", "mamón",
    "fuck", "shit", "asshole", "bitch", "bastard", "damn", "crap", "dick", "moron", "dumb",
    "suck", "scum", "jerk",
)  # fmt: skip
PROFANE_WORDS = (
    "puta", "puto", "putas", "putos", "putada", "joder", "coño", "cono", "zorra", "zorro",
    "zorras", "zorros", "hdp", "ptm", "verga", "culero", "culera", "culeros", "culeras",
    "cerdo", "cerda", "cerdos", "cerdas", "basura", "escoria", "payaso", "payasa", "payasos",
    "payasas", "ratero", "ratera", "rateros", "rateras", "tonto", "tonta", "tontos", "tontas",
    "retrasado", "retrasada", "retrasados", "retrasadas", "bullshit", "stupid", "wtf", "stfu",
)  # fmt: skip
PROFANE_PHRASES = (r"hij[oa]s? de (?:puta|perra)", "screw you")

PROFANITY = re.compile(
    r"\b(?:"
    + "|".join(
        [
            *(re.escape(s) + r"\w*" for s in PROFANE_STEMS),
            *map(re.escape, PROFANE_WORDS),
            *list(PROFANE_PHRASES),
        ]
    )
    + r")\b",
    re.IGNORECASE,
)


def is_offensive(text: str, tokens: list[str]) -> bool:
    return bool(PROFANITY.search(text)) or any(is_masked_profanity(t) for t in tokens)
