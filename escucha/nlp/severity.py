"""Words that make one mention a possible crisis at any volume: harm, fraud, authorities, courts.

Matched on folded text (lower case, no accents) as whole words or phrases. Ambiguous words
are written as the phrases that are not: "demanda" alone is also "demand" ("alta demanda").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from escucha.nlp.tokens import fold

SEVERITY_TERMS = (
    # Spanish, with regional variants (Spain, Mexico, the Southern Cone)
    "intoxicacion", "intoxicaciones", "intoxicado", "intoxicada", "intoxicados", "envenenamiento",
    "estafa", "estafas", "estafadores", "estafador", "estafado", "estafada", "estafados",
    "me estafaron", "nos estafaron", "fraude",
    "timo", "timadores", "denuncia", "denuncias", "denunciar", "denunciare", "voy a denunciar",
    "facua", "ocu", "profeco", "consumo", "hoja de reclamaciones", "hojas de reclamaciones",
    "libro de reclamaciones", "poner una demanda", "una demanda", "demanda judicial",
    "demandare", "os voy a demandar", "los voy a demandar", "abogado", "abogados",
    "me han robado", "nos han robado", "robo", "no volvais", "no vayais", "no vayan",
    "urgencias", "hospital", "hospitalizado", "peligroso", "peligro", "cucaracha", "cucarachas",
    "rata", "ratas",
    # English
    "food poisoning", "poisoned", "poisoning", "scam", "scammed", "scammers", "fraud",
    "fraudulent", "lawsuit", "sue you", "suing", "lawyer", "attorney", "bbb",
    "better business bureau", "ftc", "hospitalized", "emergency room", "injured", "unsafe",
    "dangerous", "rip off", "ripoff", "ripped off", "stole", "stolen", "theft", "cockroach",
    "cockroaches", "rats",
)  # fmt: skip


def severity_terms(text: str, extra: Sequence[str] = ()) -> list[str]:
    """The severity terms the text contains, each once, in lexicon order."""
    pattern = _pattern(tuple(extra))
    return list(dict.fromkeys(m.group(0) for m in pattern.finditer(fold(text))))


@cache
def _pattern(extra: tuple[str, ...]) -> re.Pattern[str]:
    terms = sorted(
        {fold(t).strip() for t in (*SEVERITY_TERMS, *extra)} - {""}, key=len, reverse=True
    )
    words = "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in terms)
    return re.compile(rf"(?<!\w)(?:{words})(?!\w)")
