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
    r"tienes que probar\w*|teneis que probar\w*|no os lo perdais|vale la pena|merece la pena|"
    r"worth it)\b"
)
# "Can't recommend them enough" praises; the negation before it does not undo it.
ENOUGH = re.compile(r"\b(?:can'?t|cannot|could ?n'?t) recommend(?: \w+){0,2} enough\b")
# What follows the cue may turn it: "recomiendo no comprar", "I recommend avoiding them".
TURNED = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:no(?! solo)|nunca|evitar\w*|avoid\w*|not(?! only)|never|staying away|"
    r"alejar\w*|que no|to me but|por un amigo)\b"
)
# A negation up to three words before the cue: "no lo recomiendo", "wouldn't really recommend".
NEGATED = re.compile(
    r"\b(?:no|nunca|jamas|ni|not|never|wouldn'?t|don'?t|dont|cannot|can'?t)\b(?:\W+\w+){0,3}?\W+$"
)


def recommends(text: str) -> bool:
    """Whether the text recommends what it talks about."""
    folded = fold(text)
    if ENOUGH.search(folded):
        return True
    for found in CUES.finditer(folded):
        before = folded[: found.start()]
        sentence = re.split(r"[.!?¿¡]|\b(?:pero|but|aunque|though)\b", before)[-1]
        if NEGATED.search(sentence) or TURNED.search(folded[found.end() :]):
            continue
        if "?" in folded[found.end() :].split(".")[0] or before.rstrip().endswith("¿"):
            continue
        return True
    return False
