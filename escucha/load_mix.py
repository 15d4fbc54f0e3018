"""Synthetic but realistic traffic for benchmarks: the bundled sample's Spanish and English
mentions, varied in numbers, handles and length, so caches see mostly unseen texts."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

SAMPLE = "sample_mentions.jsonl"
TAILS = {
    "es": (
        "Y encima nadie contesta al teléfono.",
        "Es la tercera vez que me pasa este año.",
        "Por favor, revisen mi caso cuanto antes.",
        "Gracias de antemano.",
        "Muy decepcionada con el servicio de atención al cliente, la verdad.",
    ),
    "en": (
        "And nobody picks up the phone.",
        "Third time this year.",
        "Please look into my case asap.",
        "Thanks in advance.",
        "Really disappointed with customer service, honestly.",
    ),
}


def _templates() -> list[dict[str, Any]]:
    text = (resources.files("escucha.demo") / SAMPLE).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _lang(text: str) -> str:
    return (
        "es" if any(ch in text for ch in "áéíóúñ¿¡") or " el " in text or " la " in text else "en"
    )


def mentions(count: int, source: str = "bench", seed: int = 7) -> Iterator[dict[str, Any]]:
    """`count` mentions: lengths from a few words to a long post, numbers and handles varied."""
    rng = random.Random(seed)
    templates = _templates()
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for n in range(count):
        template = templates[n % len(templates)]
        tails = TAILS[_lang(template["text"])]
        extra = rng.choices((0, 1, 2, 4), weights=(50, 25, 15, 10))[0]
        tail = " ".join(rng.choice(tails) for _ in range(extra))
        text = f"{template['text']} {tail} #{rng.randrange(10_000)}".strip()
        yield {
            "id": f"{n}",
            "source": source,
            "text": text,
            "author": f"{template['author']}{n % 5000}",
            "author_followers": rng.choice((0, 12, 150, 900, 4_000, 25_000, 180_000)),
            "created_at": (start + timedelta(seconds=n)).isoformat(),
        }
