"""Why an incident opened, in the tenant's language: numbers, terms, voices, samples, actions.

"31 menciones negativas en la última hora; lo normal un martes a esta hora son 2; por azar
pasaría menos de una vez en diez años." Pure: the watch gives it the signal and the mentions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from escucha.core.models import as_utc
from escucha.insight.detector import Signal
from escucha.nlp.tokens import fold
from escucha.store.queries import StoredMention

WEEKDAYS = {
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
TOPICS = {
    "es": {
        "all": "menciones",
        "negative": "menciones negativas",
        "complaints": "quejas y reclamaciones",
        "severity": "menciones con términos graves",
        "influencer": "menciones negativas de voces influyentes",
        "media": "menciones de medios o periodistas",
    },
    "en": {
        "all": "mentions",
        "negative": "negative mentions",
        "complaints": "complaints and claims",
        "severity": "mentions with severe terms",
        "influencer": "negative mentions by influential voices",
        "media": "mentions by media or journalists",
    },
}
WINDOWS = {
    "es": {
        "surge_hour": "en la última hora",
        "surge_day": "en el día",
        "surge_week": "en los últimos 7 días",
        "slow_build": "en las últimas {hours} horas",
        "negative_share": "en el día",
    },
    "en": {
        "surge_hour": "in the last hour",
        "surge_day": "during the day",
        "surge_week": "in the last 7 days",
        "slow_build": "in the last {hours} hours",
        "negative_share": "during the day",
    },
}
ACTIONS = {
    "es": (
        "Asigna el incidente a la persona de guardia y reconócelo en escucha.",
        "Lee las menciones de muestra y decide si es un problema real del servicio.",
        "Prepara una respuesta de espera (una plantilla) y contesta primero a las voces con "
        "más alcance.",
        "Si es grave, publica un aviso propio antes de que la conversación lo haga por ti.",
    ),
    "en": (
        "Assign the incident to whoever is on call and acknowledge it in escucha.",
        "Read the sample mentions and decide whether the service really failed.",
        "Prepare a holding reply (a canned response) and answer the widest-reaching voices first.",
        "If it is serious, post your own statement before the conversation writes it for you.",
    ),
}
STOPWORDS = frozenset(
    (
        "que",
        "de",
        "la",
        "el",
        "en",
        "y",
        "a",
        "los",
        "las",
        "del",
        "se",
        "por",
        "un",
        "una",
        "con",
        "no",
        "es",
        "para",
        "al",
        "lo",
        "como",
        "mas",
        "pero",
        "sus",
        "le",
        "ya",
        "o",
        "este",
        "si",
        "me",
        "mi",
        "te",
        "tu",
        "nos",
        "hay",
        "muy",
        "the",
        "to",
        "and",
        "of",
        "a",
        "in",
        "is",
        "it",
        "you",
        "for",
        "on",
        "my",
        "your",
        "this",
        "that",
        "with",
        "was",
        "are",
        "be",
        "have",
        "at",
        "not",
        "but",
        "just",
        "so",
        "they",
        "we",
        "can",
        "get",
        "from",
        "all",
        "what",
        "when",
        "me",
        "will",
        "an",
        "or",
        "do",
        "http",
        "https",
        "amp",
        "rt",
        "via",
    )
)
WORD = re.compile(r"[#@]?\w{3,}")


def topic_name(topic: str, language: str) -> str:
    names = TOPICS[_lang(language)]
    if topic in names:
        return names[topic]
    kind, _, value = topic.partition(":")
    es = language == "es"
    if kind == "cluster":
        return "copias de un mismo mensaje" if es else "copies of one message"
    if kind == "hashtag":
        return f"{'menciones con' if es else 'mentions with'} #{value}"
    return f"{'menciones de' if es else 'mentions of'} {value}"


def rarity(signal: Signal, language: str) -> str | None:
    """How often chance alone would give a window like it, in words."""
    years = signal.years_between
    if years is None:
        return None
    es = _lang(language) == "es"
    if years >= 10:
        return (
            "por azar pasaría menos de una vez en diez años"
            if es
            else "by chance it would happen less than once in ten years"
        )
    if years >= 1:
        n = round(years)
        return (
            f"por azar pasaría una vez cada {n} años"
            if es
            else f"by chance it would happen once every {n} years"
        )
    days = max(1, round(years * 365))
    return (
        f"por azar pasaría una vez cada {days} días"
        if es
        else f"by chance it would happen once every {days} days"
    )


def headline(signal: Signal, zone: ZoneInfo, language: str) -> str:
    """The numbers in one sentence."""
    lang = _lang(language)
    es = lang == "es"
    what = topic_name(signal.topic, lang)
    if signal.trigger in ("severity", "influencer", "media"):
        return (
            f"{signal.observed} {what} en la última hora"
            if es
            else f"{signal.observed} {what} in the last hour"
        )
    hours = max(1, round((signal.window_end - signal.window_start).total_seconds() / 3600))
    window = WINDOWS[lang].get(signal.trigger, WINDOWS[lang]["surge_day"]).format(hours=hours)
    local = signal.window_end.astimezone(zone)
    day = WEEKDAYS[lang][local.weekday()]
    normal = _number(signal.expected)
    if signal.trigger == "negative_share":
        parts = [
            f"{signal.observed} {TOPICS[lang]['negative']} {window}",
            (f"lo normal serían {normal}" if es else f"about {normal} would be normal"),
        ]
    elif signal.trigger == "surge_hour":
        parts = [
            f"{signal.observed} {what} {window}",
            (
                f"lo normal un {day} a esta hora son {normal}"
                if es
                else f"a normal {day} at this hour has {normal}"
            ),
        ]
    else:
        parts = [
            f"{signal.observed} {what} {window}",
            (f"lo normal serían {normal}" if es else f"about {normal} would be normal"),
        ]
    said = rarity(signal, lang)
    if said:
        parts.append(said)
    if signal.low_volume:
        parts.append(
            "volumen bajo: se vigila por semanas" if es else "low volume: watched by the week"
        )
    return "; ".join(parts)


def explain(
    signals: Sequence[Signal],
    lead: Signal,
    window: Sequence[StoredMention],
    background: Sequence[StoredMention],
    zone: ZoneInfo,
    language: str,
) -> dict[str, Any]:
    """The whole explanation as JSON: what the API returns and the alerts render."""
    lang = _lang(language)
    about = [m for m in window if lead.topic in (m.topics or ())] or list(window)
    return {
        "language": lang,
        "headline": headline(lead, zone, lang),
        "signals": [_signal_json(s, zone, lang) for s in signals],
        "top_terms": top_terms(about, background),
        "top_voices": top_voices(about),
        "samples": samples(about),
        "sentiment": dict(Counter(m.sentiment.value for m in about)),
        "actions": list(ACTIONS[lang]),
    }


def _signal_json(signal: Signal, zone: ZoneInfo, lang: str) -> dict[str, Any]:
    return {
        "topic": signal.topic,
        "trigger": signal.trigger,
        "window_start": signal.window_start.isoformat(),
        "window_end": signal.window_end.isoformat(),
        "observed": signal.observed,
        "expected": round(signal.expected, 2),
        "p": signal.p,
        "text": headline(signal, zone, lang),
    }


def top_terms(
    window: Sequence[StoredMention], background: Sequence[StoredMention], limit: int = 5
) -> list[str]:
    """Words far commoner in the window than before it (log-odds, smoothed), at least twice."""
    seen = _words(window)
    before = _words(background)
    total, total_before = sum(seen.values()) or 1, sum(before.values()) or 1
    scored = [
        (math.log((n + 0.5) / total) - math.log((before[w] + 0.5) / total_before), w)
        for w, n in seen.items()
        if n >= 2
    ]
    return [w for _, w in sorted(scored, reverse=True)[:limit]]


def top_voices(window: Sequence[StoredMention], limit: int = 3) -> list[dict[str, Any]]:
    """The widest-reaching authors in the window, with how many times they wrote."""
    counts = Counter(m.author for m in window)
    reach: dict[str, int] = {}
    for m in window:
        reach[m.author] = max(reach.get(m.author, 0), m.author_followers or 0)
    ranked = sorted(counts, key=lambda a: (reach[a], counts[a]), reverse=True)[:limit]
    return [{"author": a, "followers": reach[a], "mentions": counts[a]} for a in ranked]


def samples(window: Sequence[StoredMention], limit: int = 3) -> list[dict[str, Any]]:
    """Three mentions to read first: the most urgent, one per cluster (or per text)."""
    chosen, clusters = [], set()
    for m in sorted(window, key=lambda m: (m.priority, m.created_at), reverse=True):
        cluster = m.cluster_id or fold(m.text).strip()
        if cluster in clusters:
            continue
        clusters.add(cluster)
        chosen.append(
            {
                "author": m.author,
                "text": m.text[:280],
                "url": m.url,
                "created_at": as_utc(m.created_at).isoformat(),
                "sentiment": m.sentiment.value,
            }
        )
        if len(chosen) == limit:
            break
    return chosen


def _words(mentions: Sequence[StoredMention]) -> Counter[str]:
    found: Counter[str] = Counter()
    for m in mentions:
        found.update(w for w in WORD.findall(fold(m.text)) if w not in STOPWORDS)
    return found


def _number(value: float) -> str:
    return str(round(value)) if value >= 1 else f"{value:.1f}".rstrip("0").rstrip(".") or "0"


def _lang(language: str) -> str:
    return language if language in WEEKDAYS else "en"


def moment_text(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
