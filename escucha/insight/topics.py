"""The series a tenant's mentions are counted in, named as strings: 'all', 'brand:Aero'...

Decided once per mention, in triage, and stored with it; the rollups count by them.
"""

from __future__ import annotations

import re
from functools import cache

from escucha.core.models import AnalyzedMention, Intent, Sentiment
from escucha.core.tenant import Tenant
from escucha.nlp.severity import severity_terms
from escucha.nlp.tokens import fold

ALL = "all"
NEGATIVE = "negative"
COMPLAINTS = "complaints"  # complaints and claims
SEVERITY = "severity"
INFLUENCER = "influencer"  # a negative mention by an author above the influence threshold
MEDIA = "media"
INSTANT = frozenset({SEVERITY, INFLUENCER, MEDIA})
MAX_HASHTAGS = 5  # a post stuffed with tags counts in a few series, not in fifty


def topics_of(mention: AnalyzedMention, tenant: Tenant, folded: str | None = None) -> list[str]:
    """Every series this mention counts in; none for the business's own posts or spam."""
    analysis = mention.analysis
    if not mention.inbound or analysis.intent is Intent.spam:
        return []
    text = fold(mention.clean_text) if folded is None else folded
    negative = analysis.sentiment is Sentiment.negative
    found = [ALL]
    if negative:
        found.append(NEGATIVE)
    if analysis.complaint or analysis.intent in (Intent.complaint, Intent.claim):
        found.append(COMPLAINTS)
    found += [f"brand:{b}" for b, p in _patterns(tuple(tenant.brands)) if p.search(text)]
    found += [f"keyword:{k}" for k, p in _patterns(tuple(tenant.keywords)) if p.search(text)]
    found += [f"hashtag:{fold(h).lstrip('#')}" for h in mention.hashtags[:MAX_HASHTAGS]]
    if mention.cluster_id:
        found.append(f"cluster:{mention.cluster_id}")
    policy = tenant.crisis
    if analysis.sentiment is not Sentiment.positive and severity_terms(
        mention.text, policy.severity_terms
    ):
        found.append(SEVERITY)
    followers = mention.author_followers or 0
    if negative and followers >= max(1, tenant.influencer_followers):
        found.append(INFLUENCER)
    if _handle(mention.author) in {_handle(a) for a in policy.media_authors}:
        found.append(MEDIA)
    return list(dict.fromkeys(found))


def _handle(name: str) -> str:
    return fold(name).lstrip("@")


@cache
def _patterns(names: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (name, re.compile(rf"(?<!\w)[@#]?{re.escape(fold(name).lstrip('@#'))}(?:e?s)?(?!\w)"))
        for name in names
        if fold(name).strip("@# ")
    )
