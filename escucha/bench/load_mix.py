"""Realistic traffic for benchmarks: real Spanish and English tweets when ../shared/data is
there (the bundled sample otherwise), some made longer, with varied authors and reach."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from escucha.bench.analysis import text_pool
from escucha.nlp import language

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


def _lang(text: str) -> str:
    return "es" if language.detect(text)[0] == "es" else "en"


def mentions(count: int, source: str = "bench", seed: int = 7) -> Iterator[dict[str, Any]]:
    """`count` mentions; a third get one or more sentences more, so lengths vary widely."""
    rng = random.Random(seed)
    pool = text_pool()
    rng.shuffle(pool)  # Spanish and English interleaved, as a real stream is
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for n in range(count):
        base = pool[n % len(pool)]
        extra = rng.choices((0, 1, 2, 4), weights=(67, 18, 10, 5))[0]
        tail = " ".join(rng.choice(TAILS[_lang(base)]) for _ in range(extra))
        yield {
            "id": f"{n}",
            "source": source,
            "text": f"{base} {tail}".strip(),
            "author": f"user{rng.randrange(20_000)}",
            "author_followers": rng.choice((0, 12, 150, 900, 4_000, 25_000, 180_000)),
            "created_at": (start + timedelta(seconds=n)).isoformat(),
        }


CAMPAIGN = (
    "@aerosol Boicot a Aerolíneas Sol: me cancelaron el vuelo {flight} del día {day} y me "
    "deben {amount} euros desde hace {weeks} semanas. #AerolineasSolEstafa https://t.co/{code}"
)


def campaign(count: int, source: str = "campaign", seed: int = 11) -> Iterator[dict[str, Any]]:
    """A copy-paste campaign: one text posted `count` times by different people, differing
    only in its numbers and link, as a coordinated complaint or a bot network posts it."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 2, tzinfo=UTC)
    for n in range(count):
        text = CAMPAIGN.format(
            flight=rng.randrange(100, 9999), day=rng.randrange(1, 29),
            amount=rng.randrange(50, 2000), weeks=rng.randrange(1, 9),
            code=f"{rng.getrandbits(40):010x}",
        )  # fmt: skip
        yield {
            "id": f"{n}",
            "source": source,
            "text": text,
            "author": f"user{rng.randrange(50_000)}",
            "author_followers": rng.choice((0, 12, 150, 900)),
            "created_at": (start + timedelta(milliseconds=10 * n)).isoformat(),
        }
