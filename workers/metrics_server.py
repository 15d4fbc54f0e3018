"""A worker's own /metrics: the pipeline as Redis sees it, plus this worker's memory.

Started in the worker's main process when ESCUCHA_METRICS_PORT is set; prefork children
are measured from /proc, so no multiprocess registry is needed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from celery.signals import worker_ready
from prometheus_client import start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from config.settings import get_settings
from escucha.ops.process_tree import children, rss_bytes
from escucha.pipeline.metrics import pipeline_registry
from workers.queues import QUEUES


class PoolMemory(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "escucha_worker_rss_bytes",
            "Resident memory of this worker's processes",
            labels=["process"],
        )
        main = os.getpid()
        for label, pid in [("main", main), *((f"child-{pid}", pid) for pid in children(main))]:
            if (size := rss_bytes(pid)) is not None:
                gauge.add_metric([label], float(size))
        yield gauge


@worker_ready.connect
def serve_metrics(**_: Any) -> None:
    port = get_settings().ops.metrics_port
    if port is None:
        return
    from workers.resources import context

    ctx = context()
    queues = [q.name for q in QUEUES if q.name]
    registry = pipeline_registry(ctx.redis, ctx.dead_letters, queues, PoolMemory())
    start_http_server(port, addr=get_settings().ops.metrics_host, registry=registry)
