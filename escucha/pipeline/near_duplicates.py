"""Clustering retweets and copy-paste campaigns: one text posted 500 times is one cluster.

Each text gets a 64-bit SimHash of its words and word pairs (URLs, handles and a leading 'RT'
left out, and every number the same word: a campaign's copies differ in order numbers, times
and amounts). Texts within 3 differing bits are the same cluster. The index lives in Redis,
split into four 16-bit bands: two prints within 3 bits agree exactly on at least one band, so
a lookup reads four small hashes instead of scanning everything.

The work per print is bounded whatever arrives: a band bucket holds at most BUCKET_CAP prints,
and a print that already found its cluster is written only into buckets with fewer than
REPRESENTATIVES, so a campaign of 100,000 near-copies keeps a few representatives rather than
growing its buckets by 100,000 entries each lookup must read.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import redis

from escucha.core import keys
from escucha.core.models import NormalizedMention
from escucha.nlp.char_arrays import NUMBER, WORD, CharArrays, lone_token_hashes, with_pairs
from escucha.nlp.tokens import fold_all
from escucha.pipeline import lua_scripts

MAX_DISTANCE = 3
BUCKET_CAP = 64
REPRESENTATIVES = 8
BANDS = 4
BAND_BITS = 64 // BANDS
MIN_WORDS = 4  # shorter texts ("gracias!") repeat by chance, not by campaign
INDEX_TTL_S = 30 * 24 * 3600


@cache
def _retweet_mark() -> int:
    return lone_token_hashes(["rt"])[0] or 0


@cache
def _number_mark() -> np.uint64:
    return np.uint64(lone_token_hashes(["0"])[0] or 0)


def _mixed(hashes: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: every bit of a print must depend on every character."""
    mixed = hashes ^ (hashes >> np.uint64(30))
    mixed = mixed * np.uint64(0xBF58476D1CE4E5B9)
    mixed ^= mixed >> np.uint64(27)
    mixed = mixed * np.uint64(0x94D049BB133111EB)
    return mixed ^ (mixed >> np.uint64(31))


def fingerprints(texts: Sequence[str]) -> list[int | None]:
    """SimHash of each text's words and word pairs, for a whole batch at once; None when a
    text is too short to mean anything.

    Words are the batch's word and number tokens (accents folded, elongations squeezed);
    a leading "rt" is left out. Every feature votes on each of the 64 bits.
    """
    arrays = CharArrays.of(fold_all(texts))
    kept = (arrays.token_kind == WORD) | (arrays.token_kind == NUMBER)
    owner, hashes = arrays.token_owner[kept], arrays.token_hash[kept]
    hashes = np.where(arrays.token_kind[kept] == NUMBER, _number_mark(), hashes)
    first = np.ones(len(owner), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    retweet = first & (hashes == np.uint64(_retweet_mark()))
    owner, hashes = owner[~retweet], hashes[~retweet]
    words = np.bincount(owner, minlength=len(texts))
    long_enough = words[owner] >= MIN_WORDS
    owner, hashes = owner[long_enough], hashes[long_enough]
    if not len(owner):
        return [None] * len(texts)
    feature_owner, features = with_pairs(owner, hashes)
    features = _mixed(features)
    bits = np.unpackbits(features.astype(">u8").view(np.uint8).reshape(-1, 8), axis=1)
    starts = np.flatnonzero(np.r_[True, feature_owner[1:] != feature_owner[:-1]])
    votes = np.add.reduceat(bits, starts, axis=0, dtype=np.int32)
    counts = np.diff(np.r_[starts, len(feature_owner)])
    signs = (votes * 2 > counts[:, None]).astype(np.uint8)
    packed = np.packbits(signs, axis=1).view(">u8").ravel().tolist()
    prints: list[int | None] = [None] * len(texts)
    for text, value in zip(feature_owner[starts].tolist(), packed, strict=True):
        prints[text] = value
    return prints


def fingerprint(text: str) -> int | None:
    return fingerprints([text])[0]


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def _bands(print_: int) -> list[int]:
    mask = (1 << BAND_BITS) - 1
    return [(print_ >> (BAND_BITS * i)) & mask for i in range(BANDS)]


def _band_key(tenant: str, band: int, value: int) -> str:
    return keys.simhash_band(tenant, band, value)


def assign_clusters(client: redis.Redis, mentions: Sequence[NormalizedMention]) -> None:
    """Set each mention's cluster_id: the first mention seen with (nearly) the same text.

    One Lua call per batch does every lookup and insert, atomically (at most 4 × BUCKET_CAP
    comparisons a print), so two workers cannot
    both start a cluster for the same campaign, and a redelivered mention finds its own
    entry and keeps its cluster.
    """
    prints = fingerprints([m.clean_text for m in mentions])
    batch = [(m, p) for m, p in zip(mentions, prints, strict=True) if p is not None]
    if not batch:
        return
    band_keys: list[str] = []
    args: list[str | int] = [INDEX_TTL_S, MAX_DISTANCE, BUCKET_CAP, REPRESENTATIVES]
    for mention, print_ in batch:
        band_keys += [_band_key(mention.tenant, b, v) for b, v in enumerate(_bands(print_))]
        args += [mention.id, print_ >> 32, print_ & 0xFFFFFFFF]
    clusters = lua_scripts.script(client, "assign_clusters")(keys=band_keys, args=args)
    for (mention, _), cluster in zip(batch, clusters, strict=True):
        found = keys.as_text(cluster)
        # Entries written before ids carried their tenant (migration 0003) lack the prefix.
        prefix = f"{mention.tenant}:"
        mention.cluster_id = found if found.startswith(prefix) else prefix + found
