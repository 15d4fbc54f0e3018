"""`escucha bench --encoding`: bytes and CPU per stage record, for each way to encode a batch.

Today each record is its own pydantic JSON document under its own key (the claim check). The
alternatives encode a whole batch as one value: pydantic-core's JSON of the list, or msgpack
(if installed) of the list's plain-data form, validated back into the models.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from pydantic import BaseModel, TypeAdapter

from escucha.bench.figures import EncodingFigure
from escucha.bench.load_mix import mentions
from escucha.care.triage import triage
from escucha.core.models import AnalyzedMention, RawMention, StagedMention, extend
from escucha.core.tenant import Tenant
from escucha.nlp.analyzer import Analyzer
from escucha.nlp.batch import analyze_mentions
from escucha.nlp.normalize import normalize

Codec = tuple[Callable[[], Any], Callable[[Any], Any]]


def stage_records(count: int, analyzer: Analyzer) -> dict[str, Sequence[BaseModel]]:
    """`count` mentions of the load mix as each stage writes them, by kind."""
    raws = [RawMention.model_validate(m) for m in mentions(count, "encoding")]
    staged = [extend(StagedMention, r, accepted_at=r.created_at, version=1.0) for r in raws]
    normalized = [normalize(s) for s in staged]
    for mention in normalized:  # as the near-duplicate index sets it in the normalize stage
        mention.cluster_id = mention.id
    outcomes = analyze_mentions(analyzer, normalized)
    analyzed = [a for a in outcomes if isinstance(a, AnalyzedMention)]
    triaged = [triage(a, Tenant()) for a in analyzed]
    return {"normalized": normalized, "analyzed": analyzed, "triaged": triaged}


def _codecs(records: Sequence[BaseModel]) -> dict[str, Codec]:
    model = type(records[0])
    batch = TypeAdapter(list[model])  # type: ignore[valid-type]
    codecs: dict[str, Codec] = {
        "per record, pydantic JSON (today)": (
            lambda: [r.model_dump_json() for r in records],
            lambda blobs: [model.model_validate_json(b) for b in blobs],
        ),
        "per batch, pydantic-core JSON": (
            lambda: batch.dump_json(list(records)),
            batch.validate_json,
        ),
    }
    try:
        import msgpack  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return codecs
    codecs["per batch, msgpack"] = (
        lambda: msgpack.packb(batch.dump_python(list(records), mode="json")),
        lambda blob: batch.validate_python(msgpack.unpackb(blob)),
    )
    return codecs


def _size(encoded: Any) -> int:
    return sum(len(b) for b in encoded) if isinstance(encoded, list) else len(encoded)


def _best_of(function: Callable[[], Any], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def measure(count: int = 1000, repeats: int = 7) -> list[EncodingFigure]:
    """Each codec on a batch of `count` records of each kind: the best of `repeats` runs."""
    figures = []
    for kind, records in stage_records(count, Analyzer()).items():
        for name, (encode, decode) in _codecs(records).items():
            encoded = encode()
            assert decode(encoded) == list(records), f"{name} changed a {kind} record"
            per = 1e6 / len(records)
            figures.append(EncodingFigure(
                kind=kind, encoding=name, bytes_per_record=_size(encoded) / len(records),
                encode_us=_best_of(encode, repeats) * per,
                decode_us=_best_of(partial(decode, encoded), repeats) * per,
            ))  # fmt: skip
    return figures
