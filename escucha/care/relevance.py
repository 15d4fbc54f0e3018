"""Whether a mention is about the tenant at all: searches and hashtag pollers bring noise.

A mention is relevant when it names one of the tenant's brands or keywords (a whole word or
phrase or its plural, any case, accents ignored, '@aerosol' and '#AeroSol' included), when the
platform delivered it to one of the tenant's own accounts (a comment on its page, a reply to or
mention of its X user), or when it is the business's own post. A tenant that names nothing
listens to everything.
"""

from __future__ import annotations

import re
from functools import cache

from escucha.core.models import AnalyzedMention
from escucha.core.tenant import Tenant
from escucha.nlp.tokens import fold

NOT_ABOUT_TENANT = "names none of the tenant's brands or keywords, and was not sent to its accounts"


def is_relevant(mention: AnalyzedMention, tenant: Tenant, folded_clean: str | None = None) -> bool:
    """`folded_clean`: `fold(mention.clean_text)`, when the caller has it already."""
    if mention.addressed or not mention.inbound or tenant.listens_to_everything:
        return True
    names = _names(tuple(tenant.brands), tuple(tenant.keywords))
    if names is None:
        return False
    clean = fold(mention.clean_text) if folded_clean is None else folded_clean
    if names.search(clean) is not None:  # "#AeroSol" reads "Aero Sol" there
        return True
    return names.search(fold(mention.text)) is not None  # handles are only in the raw text


@cache
def _names(brands: tuple[str, ...], keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for every name of a tenant, compiled once per tenant."""
    terms = sorted({fold(term).strip() for term in (*brands, *keywords)} - {"", "@", "#"})
    if not terms:
        return None
    # '@aerosol' is a handle: it matches '@aerosol' and '#aerosol', never the word 'aerosol'.
    # A bare name also matches its handle or hashtag.
    handles = [re.escape(term[1:]) for term in terms if term[0] in "@#"]
    words = [re.escape(term).replace(r"\ ", r"\s+") for term in terms if term[0] not in "@#"]
    either = [f"[@#]?(?:{'|'.join(words)})"] if words else []
    tagged = [f"[@#](?:{'|'.join(handles)})"] if handles else []
    alternatives = "|".join([*tagged, *either])
    return re.compile(rf"(?<![\w@#])(?:{alternatives})(?:e?s)?(?!\w)")  # plurals too
