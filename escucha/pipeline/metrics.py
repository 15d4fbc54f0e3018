"""Prometheus metrics for the whole pipeline, read from Redis at scrape time.

Every process (API, each worker) adds to the same Redis counters and histograms, so any
/metrics endpoint shows the cluster-wide picture; process metrics (RSS, CPU) are per process.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterator, Sequence

import redis
from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from escucha.core import keys
from escucha.pipeline.deadletter import DeadLetters
from escucha.pipeline.redis_memory import memory_use
from escucha.pipeline.stages import TASK_STAGE_NAMES

# kombu's Redis transport keeps delivered-but-unacknowledged messages under these keys.
UNACKED = "unacked"
UNACKED_INDEX = "unacked_index"
BATCH_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
LATENCY_SECONDS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)


class RedisHistogram:
    """A histogram whose buckets are Redis hash fields, so many processes can observe into it."""

    def __init__(self, key: str, buckets: Sequence[float]) -> None:
        self.key = key
        self.buckets = tuple(buckets)

    def observe(self, pipe: redis.client.Pipeline, values: Sequence[float]) -> None:
        counts: dict[str, int] = {}
        for value in values:
            index = bisect.bisect_left(self.buckets, value)
            field = str(self.buckets[index]) if index < len(self.buckets) else "+Inf"
            counts[field] = counts.get(field, 0) + 1
        for field, count in counts.items():
            pipe.hincrby(self.key, field, count)
        if values:
            pipe.hincrbyfloat(self.key, "sum", float(sum(values)))
            pipe.hincrby(self.key, "count", len(values))

    def read(self, client: redis.Redis) -> tuple[list[tuple[str, float]], float]:
        raw = {keys.as_text(k): float(v) for k, v in client.hgetall(self.key).items()}
        cumulative, running = [], 0.0
        for bound in (*map(str, self.buckets), "+Inf"):
            running += raw.get(bound, 0.0)
            cumulative.append((bound, running))
        return cumulative, raw.get("sum", 0.0)


def batch_seconds(stage: str) -> RedisHistogram:
    return RedisHistogram(keys.metrics_batch_seconds(stage), BATCH_SECONDS)


STORED_LATENCY = RedisHistogram(keys.METRICS_ACCEPTED_TO_STORED, LATENCY_SECONDS)


def stage_done_key(stage: str) -> str:
    return keys.metrics_done(stage)


class PipelineCollector(Collector):
    def __init__(
        self,
        client: redis.Redis,
        dead_letters: DeadLetters,
        queues: Sequence[str],
        stages: Sequence[str],
    ) -> None:
        self.redis = client
        self.dead_letters = dead_letters
        self.queues = tuple(queues)
        self.stages = tuple(stages)

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily | HistogramMetricFamily]:
        yield from self._broker()
        yield from self._pipeline()
        yield from self._stages()

    def _broker(self) -> Iterator[GaugeMetricFamily]:
        queued = GaugeMetricFamily(
            "escucha_queue_length", "Messages waiting in a queue", labels=["queue"]
        )
        for queue in self.queues:
            queued.add_metric([queue], float(self.redis.llen(queue)))
        yield queued
        yield GaugeMetricFamily(
            "escucha_unacked_messages",
            "Messages delivered and not yet acknowledged",
            value=float(self.redis.hlen(UNACKED)),
        )
        oldest = self.redis.zrange(UNACKED_INDEX, 0, 0, withscores=True)
        age = time.time() - float(oldest[0][1]) if oldest else 0.0
        yield GaugeMetricFamily(
            "escucha_oldest_unacked_age_seconds",
            "Age of the oldest unacknowledged message",
            value=age,
        )
        memory = memory_use(self.redis)
        yield GaugeMetricFamily(
            "escucha_redis_memory_used_bytes", "Memory Redis uses", value=memory.used_bytes
        )
        yield GaugeMetricFamily(
            "escucha_redis_memory_max_bytes",
            "Redis's maxmemory (0: none); ingest slows down at 90% of it",
            value=memory.max_bytes,
        )

    def _pipeline(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        yield GaugeMetricFamily(
            "escucha_in_flight_mentions",
            "Mentions accepted and not yet stored (the ledger)",
            value=float(self.redis.zcard(keys.LEDGER)),
        )
        dead = GaugeMetricFamily(
            "escucha_dead_letters", "Dead letters waiting, per list", labels=["stage"]
        )
        for stage, size in self.dead_letters.sizes().items():
            dead.add_metric([stage], float(size))
        yield dead
        totals = {keys.as_text(k): float(v) for k, v in self.redis.hgetall(keys.STATS).items()}
        for name, help_text in (
            ("accepted", "Mentions accepted at ingest"),
            ("rejected", "Rows rejected at ingest (dead-lettered with their reason)"),
            ("stored", "Mentions written to the store"),
            ("dead_lettered", "Mentions and messages dead-lettered"),
            ("redelivered", "Batches delivered more than once"),
            ("dead_letters_spilled", "Dead letters moved from a full list to its file"),
            (
                "dead_letters_dropped",
                "Dead letters dropped from a full list (no file to keep them)",
            ),
        ):
            yield CounterMetricFamily(f"escucha_{name}", help_text, value=totals.get(name, 0.0))

    def _stages(self) -> Iterator[CounterMetricFamily | HistogramMetricFamily]:
        done = CounterMetricFamily(
            "escucha_stage_mentions", "Mentions a stage finished", labels=["stage"]
        )
        for stage in self.stages:
            done.add_metric([stage], float(self.redis.get(stage_done_key(stage)) or 0))
        yield done
        batches = HistogramMetricFamily(
            "escucha_stage_batch_seconds", "Time to run one batch, per stage", labels=["stage"]
        )
        for stage in self.stages:
            buckets, total = batch_seconds(stage).read(self.redis)
            batches.add_metric([stage], buckets, total)
        yield batches
        buckets, total = STORED_LATENCY.read(self.redis)
        latency = HistogramMetricFamily(
            "escucha_accepted_to_stored_seconds", "Time from acceptance to the store"
        )
        latency.add_metric([], buckets, total)
        yield latency


def pipeline_registry(
    client: redis.Redis, dead_letters: DeadLetters, queues: Sequence[str], *extra: Collector
) -> CollectorRegistry:
    """What every /metrics serves: the pipeline from Redis, this process, and `extra`."""

    registry = CollectorRegistry()
    registry.register(PipelineCollector(client, dead_letters, queues, TASK_STAGE_NAMES))
    for collector in extra:
        registry.register(collector)
    registry.register(ProcessCollector(registry=None))
    return registry
