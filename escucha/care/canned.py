"""Canned responses: a tenant's saved replies, their `{variables}` filled from the case.

Each response has one variant per language; the case's language picks it, then the tenant's
languages in order. What the case knows fills itself: `{nombre}`/`{name}` (the customer's
first name, when the platform gives a name rather than an id), `{pedido}`/`{order}` (a
reference they wrote: "pedido 4411", "#A-1029"), `{marca}`/`{brand}` (the business). The agent
gives the rest. A variable left without a value refuses the draft and says which, so no reply
goes out with "{pedido}" in it; the tone check then reads the filled text like any other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from escucha.core.canned_response import VARIABLE, CannedResponse, variables

ALIASES = {"name": "nombre", "order": "pedido", "brand": "marca"}  # English names, one value
# A reference needs its word ("pedido", "order"...): a bare "#2024" is a hashtag, not an order.
ORDER = re.compile(
    r"\b(?:pedido|orden|order|reserva|booking|factura|invoice|ticket|localizador)\b"
    r"(?:\s+(?:es\s+)?(?:el|la|is|number|n[uú]mero|num\.?|n\.?[º°o]\.?)(?!\w)\.?)*[\s:#º°.]*"
    r"(?P<ref>[a-z]{0,4}-?\d[a-z0-9-]{2,})\b(?!\s*(?:€|eur|euros|usd|\$|dólares))",
    re.IGNORECASE,
)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}-\d{1,2}-\d{2,4}$")


class MissingValues(ValueError):
    """The draft still has variables nobody gave a value for."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__("no value for " + ", ".join("{" + n + "}" for n in names))
        self.names = list(names)


def render(text: str, values: Mapping[str, str]) -> str:
    """The text with each variable replaced; MissingValues names any without a value."""
    given = {name: value.strip() for name, value in values.items() if value and value.strip()}
    for english, spanish in ALIASES.items():  # either name fills both
        if english in given or spanish in given:
            given.setdefault(english, given.get(spanish, ""))
            given.setdefault(spanish, given[english])
    missing = [name for name in variables(text) if name not in given]
    if missing:
        raise MissingValues(missing)
    return VARIABLE.sub(lambda found: given[found.group(1)], text)


def variant(responses: Sequence[CannedResponse], languages: Sequence[str]
            ) -> CannedResponse | None:  # fmt: skip
    """The response's variant in the first of `languages` it has, else any."""
    by_language = {r.language: r for r in responses}
    return next((by_language[lang] for lang in languages if lang in by_language),
                responses[0] if responses else None)  # fmt: skip


def known_values(author: str, said: Sequence[str], brand: str) -> dict[str, str]:
    """What the case itself says: the customer's first name, a reference they gave (the
    latest first), the business's name."""
    values = {"marca": brand} if brand else {}
    if (first := first_name(author)) is not None:
        values["nombre"] = first
    for text in reversed(said):
        refs = [m.group("ref") for m in ORDER.finditer(text) if not DATE.match(m.group("ref"))]
        if refs:
            values["pedido"] = refs[0]
            break
    return values


def first_name(author: str) -> str | None:
    """'Luis Gómez' → 'Luis', 'ana.p' → 'Ana'; None for an id ('7300000000000001')."""
    handle = author.strip().lstrip("@").partition("@")[0]  # "ana@mastodon.social": ana
    word = re.split(r"[\s_.\-]+", handle)[0]
    if not word or not any(c.isalpha() for c in word) or sum(c.isdigit() for c in word) > 2:
        return None
    return word[:1].upper() + word[1:]
