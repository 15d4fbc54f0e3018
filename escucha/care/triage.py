"""Stage three: how urgently a mention needs an answer, and why; which case it belongs to."""

from __future__ import annotations

import hashlib
import math
import re
from functools import cache

from escucha.care.relevance import NOT_ABOUT_TENANT, is_relevant
from escucha.core.models import (
    AnalyzedMention,
    Intent,
    PriorityLabel,
    Sentiment,
    Triage,
    TriagedMention,
    extend,
)
from escucha.core.tenant import Tenant
from escucha.insight.topics import topics_of
from escucha.nlp.tokens import fold

INTENT_POINTS = {
    Intent.claim: 40,
    Intent.complaint: 32,
    Intent.lead: 22,  # a sale waiting for an answer
    Intent.request: 20,
    Intent.question: 15,
    Intent.suggestion: 8,
    Intent.praise: 5,
    Intent.other: 0,
    Intent.spam: 0,
}
# Words that say the clock is already running, or that the customer is about to escalate.
URGENCY = re.compile(
    r"\b(?:urgente|urgencia|ya mismo|ahora mismo|inmediatamente|hoy mismo|otra vez|de nuevo|"
    r"tercera vez|\d+ (?:dias|horas|semanas)|nadie|denuncia\w*|abogad\w+|ocu|redes sociales|"
    r"urgent|asap|right now|immediately|again|third time|\d+ (?:days|hours|weeks)|nobody|"
    r"no one|lawyer|sue|bbb|never again|going viral)\b"
)
LABELS = ((70, PriorityLabel.urgent), (50, PriorityLabel.high), (25, PriorityLabel.normal))
CASE_INTENTS = {Intent.claim, Intent.complaint, Intent.lead, Intent.request, Intent.question}


def priority_label(score: int) -> PriorityLabel:
    for floor, label in LABELS:
        if score >= floor:
            return label
    return PriorityLabel.low


def _influence(followers: int | None, tenant: Tenant) -> tuple[int, str]:
    """Up to 15 points on a log scale of reach; the reason names it."""
    if not followers:
        return 0, ""
    scale = math.log10(1 + 10 * max(1, tenant.influencer_followers))
    points = min(15, round(15 * math.log10(1 + followers) / scale))
    kind = "influential author" if followers >= tenant.influencer_followers else "author reach"
    return points, f"{kind} ({followers:,} followers) (+{points})"


def score(mention: AnalyzedMention, tenant: Tenant) -> Triage:
    if not mention.inbound:
        # The business's own reply: context for the case, never work in the queue.
        return Triage(
            priority=0,
            label=PriorityLabel.low,
            reasons=["the business's own post"],
            case_key=case_key(mention) if mention.direct else None,
        )  # its conversation
    analysis, folded = mention.analysis, fold(mention.clean_text)
    reasons: list[str] = []
    points = INTENT_POINTS[analysis.intent]
    if points:
        reasons.append(f"{analysis.intent.value} (+{points})")
    if analysis.sentiment is Sentiment.negative:
        tone = round(25 * min(1.0, abs(analysis.sentiment_score) * 2))
        points += tone
        reasons.append(f"negative tone {analysis.sentiment_score:+.2f} (+{tone})")
    if analysis.offensive:
        points += 8
        reasons.append("offensive or profane language (+8)")
    if URGENCY.search(folded):
        points += 10
        reasons.append("urgency or escalation words (+10)")
    influence, why = _influence(mention.author_followers, tenant)
    if influence:
        points += influence
        reasons.append(why)
    competitor = next((c for c, f in _folded(tuple(tenant.competitors)) if f in folded), None)
    if competitor and analysis.sentiment is not Sentiment.positive:
        points += 5
        reasons.append(f"mentions competitor {competitor} (+5)")
    total = max(0, min(100, points))
    if not is_relevant(mention, tenant, folded):
        return Triage(
            priority=total, label=priority_label(total), relevant=False,
            reasons=[f"not about the tenant: {NOT_ABOUT_TENANT}", *reasons],
        )  # fmt: skip
    return Triage(
        priority=total,
        label=priority_label(total),
        reasons=reasons or ["nothing to act on"],
        case_key=case_key(mention) if _needs_case(mention) else None,
        topics=topics_of(mention, tenant, folded),
    )


@cache
def _folded(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each name with its folded form, folded once per tenant rather than once per mention."""
    return tuple((name, fold(name)) for name in names)


def _needs_case(mention: AnalyzedMention) -> bool:
    intent, sentiment = mention.analysis.intent, mention.analysis.sentiment
    if intent is Intent.spam:
        return False
    return mention.direct or intent in CASE_INTENTS or sentiment is Sentiment.negative


MAX_KEY = 280  # the cases table's id holds 300: room for a reopened DM's suffix


def case_key(mention: AnalyzedMention) -> str:
    """The conversation a mention belongs to: a person's direct messages on a channel are one
    (the store opens a new one past the reopen window); comments under one post are one per
    commenter; anything else is one per person per channel."""
    author = mention.author.lower().lstrip("@")
    stem = f"{mention.tenant}:{mention.source}"
    if mention.direct:
        person = mention.thread.partition(":")[2] if mention.thread else mention.author_id
        key = f"{stem}:dm:{(person or author).lower()}"
    elif mention.thread:
        key = f"{stem}:on:{mention.thread.partition(':')[2]}:{author}"
    else:
        key = f"{stem}:{author}"
    if len(key) > MAX_KEY:  # lowering can lengthen a name ("İ" is two characters)
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        key = f"{key[: MAX_KEY - 17]}#{digest}"
    return key


def triage(mention: AnalyzedMention, tenant: Tenant) -> TriagedMention:
    return extend(TriagedMention, mention, triage=score(mention, tenant))
