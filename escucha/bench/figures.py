"""What `escucha bench` measures, and how it summarises a list of latencies."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0-100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


class StageTime(BaseModel):
    stage: str
    ms_per_1000: float  # worker time per 1,000 mentions, summed over batches
    share: float


class WorkerMemory(BaseModel):
    process: str
    peak_rss_mb: float
    first_half_mb: float  # peak in the first half of the throughput run
    second_half_mb: float


class EncodingFigure(BaseModel):
    kind: str  # the stage record: normalized, analyzed, triaged
    encoding: str
    bytes_per_record: float
    encode_us: float  # per record
    decode_us: float


class TopologyRun(BaseModel):
    """One topology's figures, from its own worker processes, in the same run as the others."""

    topology: str
    mentions_per_s: float
    elapsed_s: float
    p50_latency_s: float
    p99_latency_s: float
    offered_p50_latency_s: float
    offered_p99_latency_s: float
    speedup_vs_naive: float = 0.0
    peak_worker_rss_mb: float
    redis_cpu_s: float
    ingest_s: float
    stages: list[StageTime]
    workers: list[WorkerMemory]


class BenchFigures(BaseModel):
    """The first topology's figures at the top (the default, fused), every one's in
    `topologies`."""

    topology: str = "split"
    store: str = "SQLite"  # the system of record the workers wrote to
    mentions: int
    mentions_per_s: float
    elapsed_s: float
    p50_latency_s: float
    p99_latency_s: float
    offered_per_s: float
    offered_mentions: int
    offered_p50_latency_s: float
    offered_p99_latency_s: float
    campaign_mentions: int = 0  # near-identical texts (a copy-paste campaign), after the mix
    campaign_mentions_per_s: float = 0.0
    campaign_vs_mix: float = 0.0  # campaign rate / mix rate; the target is at least 0.5
    campaign_slowest_redis_reply_s: float = 0.0  # while the campaign drained
    campaign_largest_bucket: int = 0  # near-duplicate index entries in its fullest bucket
    naive_mentions: int
    naive_mentions_per_s: float
    speedup_vs_naive: float
    peak_worker_rss_mb: float
    redis_peak_memory_mb: float
    redis_cpu_s: float  # Redis's own CPU time during the full-load run
    ingest_s: float  # time the producer took to accept every mention
    stages: list[StageTime]
    workers: list[WorkerMemory]
    cpus: int
    topologies: list[TopologyRun] = []
    encoding: list[EncodingFigure] = []
