"""A post that recommends the brand: "os lo recomiendo", "100% recomendable", "highly
recommend", "you have to try". A negated one ("no lo recomiendo", "would not recommend") or a
question ("¿me lo recomiendas?") is none: an ask is not a recommendation."""

from __future__ import annotations

import re

from escucha.nlp.tokens import fold

CUES = re.compile(
    r"\b(?:recomiendo|recomendamos|recomendable|recomendadisim\w*|recomendaria\w*|"
    r"recomendado|os lo recomiendo|lo recomiendo|la recomiendo|"
    r"recommend(?:ed|ing)?|would recommend|highly recommend|must try|you have to try|"
    r"tienes que probar\w*|teneis que probar\w*|no os lo perdais|vale la pena|worth it)\b"
)
# A negation up to three words before the cue: "no lo recomiendo", "wouldn't really recommend".
NEGATED = re.compile(
    r"\b(?:no|nunca|jamas|ni|not|never|wouldn'?t|don'?t|dont|cannot|can'?t)\b(?:\W+\w+){0,3}?\W+$"
)


def recommends(text: str) -> bool:
    """Whether the text recommends what it talks about."""
    folded = fold(text)
    for found in CUES.finditer(folded):
        before = folded[: found.start()]
        sentence = re.split(r"[.!?¿¡]", before)[-1]
        if NEGATED.search(sentence):
            continue
        if "?" in folded[found.end() :].split(".")[0] or before.rstrip().endswith("¿"):
            continue
        return True
    return False
