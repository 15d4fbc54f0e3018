"""Clustering retweets and copy-paste campaigns: one text posted 500 times is one cluster.

Each text gets a 64-bit SimHash of its words and word pairs (URLs, handles and a leading 'RT'
left out). Texts within 3 differing bits are the same cluster. The index lives in Redis, split
into four 16-bit bands: two prints within 3 bits agree exactly on at least one band, so a
lookup reads four small hashes instead of scanning everything.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import redis

from escucha import keys
from escucha.models import NormalizedMention

MAX_DISTANCE = 3
BANDS = 4
BAND_BITS = 64 // BANDS
MIN_WORDS = 4  # shorter texts ("gracias!") repeat by chance, not by campaign
INDEX_TTL_S = 30 * 24 * 3600
WORD = re.compile(r"\w+")
_BIT_VALUES = np.uint64(1) << np.arange(64, dtype=np.uint64)


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.lower())
    words = WORD.findall("".join(ch for ch in folded if not unicodedata.combining(ch)))
    return words[1:] if words[:1] == ["rt"] else words


def fingerprint(text: str) -> int | None:
    """SimHash of the text's words and word pairs; None when too short to mean anything."""
    words = _words(text)
    if len(words) < MIN_WORDS:
        return None
    features = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest()) for f in features],
        dtype=np.uint64,
    )
    bits = (hashes[:, None] & _BIT_VALUES[None, :]) != 0
    votes = bits.sum(axis=0) * 2 - len(features)
    return int(_BIT_VALUES[votes > 0].sum()) if (votes > 0).any() else 0


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def _bands(print_: int) -> list[int]:
    mask = (1 << BAND_BITS) - 1
    return [(print_ >> (BAND_BITS * i)) & mask for i in range(BANDS)]


def _band_key(tenant: str, band: int, value: int) -> str:
    return f"{keys.PREFIX}:simhash:{tenant}:{band}:{value:04x}"


def assign_clusters(client: redis.Redis, mentions: Sequence[NormalizedMention]) -> None:
    """Set each mention's cluster_id: the first mention seen with (nearly) the same text.

    Deterministic on redelivery: a mention finds its own earlier entry and keeps its cluster.
    """
    prints = [fingerprint(m.clean_text) for m in mentions]
    with client.pipeline(transaction=False) as pipe:
        for mention, print_ in zip(mentions, prints, strict=True):
            for band, value in enumerate(_bands(print_ or 0)):
                pipe.hgetall(_band_key(mention.tenant, band, value))
        found = pipe.execute()
    batch: list[tuple[str, int, str]] = []  # (tenant, print, cluster) assigned in this batch
    with client.pipeline(transaction=False) as pipe:
        for n, (mention, print_) in enumerate(zip(mentions, prints, strict=True)):
            if print_ is None:
                continue
            candidates = {
                int(k): keys.as_text(v)
                for table in found[n * BANDS : (n + 1) * BANDS]
                for k, v in table.items()
            }
            candidates |= {p: c for t, p, c in batch if t == mention.tenant}
            mention.cluster_id = _nearest(print_, candidates) or mention.id
            batch.append((mention.tenant, print_, mention.cluster_id))
            for band, value in enumerate(_bands(print_)):
                key = _band_key(mention.tenant, band, value)
                pipe.hsetnx(key, str(print_), mention.cluster_id)
                pipe.expire(key, INDEX_TTL_S)
        pipe.execute()


def _nearest(print_: int, candidates: dict[int, str]) -> str | None:
    best = min(candidates.items(), key=lambda c: (distance(print_, c[0]), c[1]), default=None)
    if best is None or distance(print_, best[0]) > MAX_DISTANCE:
        return None
    return best[1]
