"""Clustering retweets and copy-paste campaigns: one text posted 500 times is one cluster.

Each text gets a 64-bit SimHash of its words and word pairs (URLs, handles and a leading 'RT'
left out). Texts within 3 differing bits are the same cluster. The index lives in Redis, split
into four 16-bit bands: two prints within 3 bits agree exactly on at least one band, so a
lookup reads four small hashes instead of scanning everything.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import redis

from escucha import keys
from escucha.analysis.tokens import fold
from escucha.models import NormalizedMention

MAX_DISTANCE = 3
BANDS = 4
BAND_BITS = 64 // BANDS
MIN_WORDS = 4  # shorter texts ("gracias!") repeat by chance, not by campaign
INDEX_TTL_S = 30 * 24 * 3600
WORD = re.compile(r"\w+")
SALT = 0x9E3779B9


def _words(text: str) -> list[str]:
    words = WORD.findall(fold(text))
    return words[1:] if words[:1] == ["rt"] else words


def _feature_hash(feature: str) -> int:
    # Two CRC-32s make a 64-bit hash that, unlike hash(), is the same in every process.
    data = feature.encode()
    return zlib.crc32(data) << 32 | zlib.crc32(data, SALT)


def fingerprints(texts: Sequence[str]) -> list[int | None]:
    """SimHash of each text's words and word pairs, for a whole batch at once; None when a
    text is too short to mean anything."""
    counts: list[int] = []
    hashes: list[int] = []
    for text in texts:
        words = _words(text)
        if len(words) < MIN_WORDS:
            counts.append(0)
            continue
        features = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
        counts.append(len(features))
        hashes.extend(map(_feature_hash, features))
    if not hashes:
        return [None] * len(texts)
    bits = np.unpackbits(np.array(hashes, dtype=">u8").view(np.uint8).reshape(-1, 8), axis=1)
    kept = [c for c in counts if c]
    votes = np.add.reduceat(bits.astype(np.int32), np.cumsum([0, *kept[:-1]]), axis=0)
    signs = (votes * 2 > np.array(kept)[:, None]).astype(np.uint8)
    packed = iter(int.from_bytes(row.tobytes(), "big") for row in np.packbits(signs, axis=1))
    return [next(packed) if c else None for c in counts]


def fingerprint(text: str) -> int | None:
    return fingerprints([text])[0]


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def _bands(print_: int) -> list[int]:
    mask = (1 << BAND_BITS) - 1
    return [(print_ >> (BAND_BITS * i)) & mask for i in range(BANDS)]


def _band_key(tenant: str, band: int, value: int) -> str:
    return f"{keys.PREFIX}:simhash:{tenant}:{band}:{value:04x}"


def assign_clusters(client: redis.Redis, mentions: Sequence[NormalizedMention]) -> None:
    """Set each mention's cluster_id: the first mention seen with (nearly) the same text.

    One Lua call per batch does every lookup and insert, atomically, so two workers cannot
    both start a cluster for the same campaign, and a redelivered mention finds its own
    entry and keeps its cluster.
    """
    prints = fingerprints([m.clean_text for m in mentions])
    batch = [(m, p) for m, p in zip(mentions, prints, strict=True) if p is not None]
    if not batch:
        return
    band_keys: list[str] = []
    args: list[str | int] = [INDEX_TTL_S, MAX_DISTANCE]
    for mention, print_ in batch:
        band_keys += [_band_key(mention.tenant, b, v) for b, v in enumerate(_bands(print_))]
        args += [mention.id, print_ >> 32, print_ & 0xFFFFFFFF]
    clusters = _script(client)(keys=band_keys, args=args)
    for (mention, _), cluster in zip(batch, clusters, strict=True):
        mention.cluster_id = keys.as_text(cluster)


@cache
def _source() -> str:
    return (resources.files("escucha") / "lua" / "assign_clusters.lua").read_text()


def _script(client: redis.Redis) -> Any:
    return client.register_script(_source())
