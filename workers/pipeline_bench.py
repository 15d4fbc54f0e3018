"""`escucha bench`: mentions through the real pipeline (private Redis, real worker processes,
SQLite or a given PostgreSQL database, full analysis, acks_late), then a paced run, in each
topology (fused, then split, each on its own workers; on SQLite each on its own store too),
then the naive baseline, in one run."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import redis
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, inspect, make_url, select
from sqlalchemy.orm import Session

from config.settings import Settings
from escucha.bench.encoding import measure as measure_encoding
from escucha.bench.figures import (
    BenchFigures,
    EncodingFigure,
    StageTime,
    TopologyRun,
    WorkerMemory,
    percentile,
)
from escucha.bench.load_mix import campaign, mentions
from escucha.core import keys
from escucha.ops.launcher import Launcher
from escucha.ops.process_tree import children, rss_bytes
from escucha.ops.redis_server import RedisServer
from escucha.pipeline import metrics
from escucha.pipeline.context import PipelineContext, connect_with
from escucha.pipeline.ingest import Row, ingest
from escucha.pipeline.stages import (
    DEFAULT_TOPOLOGY,
    TASK_STAGE_NAMES,
    TOPOLOGIES,
    Topology,
    default_groups,
)
from escucha.store.migrate import upgrade
from escucha.store.schema import MentionRow
from escucha.store.store import Store

MB = 1024 * 1024


@dataclass(frozen=True)
class BenchOptions:
    mentions: int = 100_000
    naive_mentions: int = 5_000
    offered_per_s: int = 1_000
    offered_seconds: float = 15.0
    campaign_mentions: int = 100_000
    timeout_s: float = 1800.0
    topologies: tuple[Topology, ...] = (
        DEFAULT_TOPOLOGY,
        *(t for t in TOPOLOGIES if t != DEFAULT_TOPOLOGY),
    )  # the default first: the campaign runs on it
    encoding: bool = True  # also measure the stage records' encodings (a second or two)
    # A PostgreSQL database holding no mentions, which the topologies share (each writes under
    # its own sources); None: a temporary SQLite file for each topology.
    database_url: str | None = None


def postgres_url(url: str) -> str:
    """A PostgreSQL URL as given (postgresql://, postgresql+psycopg://), on psycopg 3."""
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    if not url.startswith("postgresql+psycopg://"):
        raise ValueError(f"not a PostgreSQL URL (postgresql://...): {url.split(':', 1)[0]}:...")
    return url


class DatabaseNotEmpty(ValueError):
    pass


def prepare_database(url: str) -> str:
    """Migrate the benchmark's database, refusing one that holds mentions (checked before
    migrating: a production database is neither migrated nor written); the store's name."""
    store = Store.from_url(url)
    try:
        if "mentions" in inspect(store.engine).get_table_names() and (held := store.count()):
            raise DatabaseNotEmpty(
                f"{_shown(url)} holds {held:,} mentions: the benchmark needs an empty or a fresh "
                "database"
            )
        upgrade(url)
        with store.engine.connect():  # the server's version is read on connecting
            version = ".".join(map(str, store.engine.dialect.server_version_info or ()))
    finally:
        store.dispose()
    return f"PostgreSQL {version} ({_shown(url)})"


def _shown(url: str) -> str:
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database}"


class MemorySampler:
    """Peak RSS of every worker process (main and pool children), sampled twice a second."""

    def __init__(self, launcher: Launcher) -> None:
        self.launcher = launcher
        self.peaks: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            now = time.monotonic()
            for name, process in list(self.launcher.processes.items()):
                if name == "beat":
                    continue
                pids = [(f"{name} main", process.pid)]
                pids += [(f"{name} child", child) for child in children(process.pid)]
                for label, pid in pids:
                    if (size := rss_bytes(pid)) is not None:
                        self.peaks[label].append((now, size / MB))

    def summary(self, start: float, end: float) -> list[WorkerMemory]:
        middle = (start + end) / 2
        rows = []
        for label, samples in sorted(self.peaks.items()):
            during = [(t, mb) for t, mb in samples if start <= t <= end] or samples
            first = [mb for t, mb in during if t <= middle] or [0.0]
            second = [mb for t, mb in during if t > middle] or [0.0]
            rows.append(WorkerMemory(
                process=label, peak_rss_mb=max(mb for _, mb in samples),
                first_half_mb=max(first), second_half_mb=max(second),
            ))  # fmt: skip
        return rows


def _wait_drained(
    ctx: PipelineContext,
    total: int,
    label: str,
    console: Console,
    timeout_s: float,
    replies: list[float] | None = None,
) -> float:
    """Until the ledger is empty; returns when. `replies` collects how long each poll of
    Redis took, which is what a health check would have waited."""
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        deadline = time.monotonic() + timeout_s
        while True:
            asked = time.perf_counter()
            pending = ctx.ledger.pending()
            if replies is not None:
                replies.append(time.perf_counter() - asked)
            if not pending or time.monotonic() >= deadline:
                break
            progress.update(task, completed=total - pending)
            time.sleep(0.05)
    if pending:
        raise TimeoutError(f"{pending} mentions not stored within {timeout_s:.0f} s")
    return time.time()


@dataclass(frozen=True)
class CampaignRun:
    mentions: int
    per_s: float
    slowest_reply_s: float
    largest_bucket: int


def _campaign(ctx: PipelineContext, count: int, console: Console, timeout_s: float) -> CampaignRun:
    """A copy-paste campaign after the mix: near-identical texts must not slow the pipeline."""
    if not count:
        return CampaignRun(0, 0.0, 0.0, 0)
    rows = [Row(m) for m in campaign(count)]
    replies: list[float] = []
    clock = time.time()
    ingest(ctx, rows)
    finished = _wait_drained(ctx, len(rows), "campaign", console, timeout_s, replies)
    buckets = ctx.redis.scan_iter(f"{keys.PREFIX}:simhash:*", count=1000)
    largest = max((int(ctx.redis.hlen(b)) for b in buckets), default=0)
    return CampaignRun(len(rows), len(rows) / (finished - clock), max(replies), largest)


def _latencies(store: Store, source: str) -> list[float]:
    query = select(MentionRow.accepted_at, MentionRow.stored_at).where(MentionRow.source == source)
    with Session(store.engine) as session:
        return [(stored - accepted).total_seconds() for accepted, stored in session.execute(query)]


def _count(store: Store, source: str) -> int:
    with Session(store.engine) as session:
        return int(session.scalar(select(func.count()).where(MentionRow.source == source)) or 0)


def _stage_times(ctx: PipelineContext, total: int) -> list[StageTime]:
    """Worker time of each stage task that ran (the fused one, or the three it joins)."""
    spent = {s: metrics.batch_seconds(s).read(ctx.redis)[1] for s in TASK_STAGE_NAMES}
    spent = {s: seconds for s, seconds in spent.items() if seconds}
    whole = sum(spent.values()) or 1.0
    per_1000 = 1000 / max(1, total)
    return [
        StageTime(stage=s, ms_per_1000=spent[s] * 1000 * per_1000, share=spent[s] / whole)
        for s in spent
    ]


def _redis_cpu_s(ctx: PipelineContext) -> float:
    cpu = ctx.redis.info("cpu")
    return float(cpu.get("used_cpu_user", 0)) + float(cpu.get("used_cpu_sys", 0))


def _reset_metrics(ctx: PipelineContext) -> None:
    """Metrics, and the near-duplicate index: each topology starts from the same state."""
    for pattern in (f"{keys.PREFIX}:metrics:*", f"{keys.PREFIX}:simhash:*"):
        found = list(ctx.redis.scan_iter(pattern, count=1000))
        for start in range(0, len(found), 1000):
            ctx.redis.delete(*found[start : start + 1000])


def _rows(count: int, source: str) -> list[Row]:
    return [Row(m) for m in mentions(count, source)]


def _paced(ctx: PipelineContext, rows: list[Row], per_s: int) -> None:
    """Offer `per_s` mentions a second, in ten slices a second."""
    slice_size = max(1, per_s // 10)
    started = time.monotonic()
    for n, start in enumerate(range(0, len(rows), slice_size)):
        ingest(ctx, rows[start : start + slice_size])
        delay = started + (n + 1) / 10 - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def _naive(rows: Iterable[Row], send: Callable[[dict[str, object]], None]) -> None:
    for row in rows:
        assert isinstance(row.data, dict)
        send(dict(row.data))


@dataclass(frozen=True)
class StackRun:
    """What one topology's stack measured; the campaign and the naive chain run on one each."""

    run: TopologyRun
    paced_mentions: int
    campaign: CampaignRun | None = None
    naive_mentions: int = 0
    naive_per_s: float = 0.0


def run_bench(options: BenchOptions, console: Console) -> BenchFigures:
    store = "SQLite (a temporary file per topology)"
    if options.database_url:  # before anything starts: a database holding mentions is refused
        store = prepare_database(options.database_url)
    encoding = measure_encoding() if options.encoding else []
    root = Path(tempfile.mkdtemp(prefix="escucha-bench-"))
    try:
        figures = _run(options, console, root, encoding)
        return figures.model_copy(update={"store": store})
    finally:  # a 100k run leaves about 100 MB behind otherwise, and a failed one as much
        shutil.rmtree(root, ignore_errors=True)


def _run(
    options: BenchOptions, console: Console, root: Path, encoding: list[EncodingFigure]
) -> BenchFigures:
    with RedisServer(root / "redis") as server:
        from workers.app import app

        app.conf.broker_url = server.url  # this process sends the naive chain and pings
        runs: list[StackRun] = []
        for n, topology in enumerate(options.topologies):
            database_url = options.database_url  # migrated by run_bench
            if not database_url:
                database_url = f"sqlite:///{root / f'bench-{topology}.db'}"  # each its own store
                upgrade(database_url)
            settings = Settings(redis_url=server.url, database_url=database_url,
                                topology=topology)  # fmt: skip
            last = n == len(options.topologies) - 1
            runs.append(_on_stack(settings, root, options, console, first=n == 0, last=last))
        redis_peak = float(redis.Redis.from_url(server.url).info("memory")["used_memory_peak"])
    return _figures(options, runs, redis_peak / MB, encoding)


def _on_stack(
    settings: Settings,
    root: Path,
    options: BenchOptions,
    console: Console,
    first: bool,
    last: bool,
) -> StackRun:
    """One topology: its workers, a warm-up, the full load, the paced run; the campaign on the
    first topology's stack and the naive chain on the last one's."""
    from workers import naive_chain
    from workers.ready import wait_for_workers
    from workers.resources import dispatch

    topology = settings.pipeline.topology
    ctx = connect_with(settings, dispatch)
    store = Store.from_url(settings.stores.effective_database_url)
    groups = default_groups(topology=topology)
    env = {"REDIS_URL": settings.stores.effective_redis_url, "ESCUCHA_TOPOLOGY": topology,
           "DATABASE_URL": settings.stores.effective_database_url}  # fmt: skip
    with (
        Launcher(env, root / f"logs-{topology}", groups, beat=True, supervise=True) as stack,
        MemorySampler(stack) as memory,
    ):
        with console.status(f"{topology}: starting workers and loading models"):
            wait_for_workers(len(groups), timeout_s=120, launcher=stack)
            ingest(ctx, _rows(1000, f"warmup-{topology}"))
            _wait_drained(ctx, 1000, f"{topology} warm-up", console, options.timeout_s)
            _reset_metrics(ctx)

        rows = _rows(options.mentions, f"bench-{topology}")
        redis_cpu = _redis_cpu_s(ctx)
        began, clock = time.monotonic(), time.time()
        ingest(ctx, rows)
        ingest_s = time.time() - clock
        label = f"{topology} throughput"
        finished = _wait_drained(ctx, len(rows), label, console, options.timeout_s)
        elapsed, ended = finished - clock, time.monotonic()
        redis_cpu = _redis_cpu_s(ctx) - redis_cpu
        stages = _stage_times(ctx, len(rows))
        latencies = _latencies(store, f"bench-{topology}")
        campaign_count = options.campaign_mentions if first else 0
        spread = _campaign(ctx, campaign_count, console, options.timeout_s) if first else None

        paced = _rows(int(options.offered_per_s * options.offered_seconds), f"paced-{topology}")
        with console.status(f"{topology}: offering {options.offered_per_s:,} mentions/s"):
            _paced(ctx, paced, options.offered_per_s)
            _wait_drained(ctx, len(paced), f"{topology} paced", console, options.timeout_s)
        offered = _latencies(store, f"paced-{topology}")

        naive = _rows(options.naive_mentions if last else 0, "naive")
        naive_started = time.time()
        _naive(naive, naive_chain.send)
        deadline = time.monotonic() + options.timeout_s
        while _count(store, "naive") < len(naive) and time.monotonic() < deadline:
            time.sleep(0.2)
        naive_elapsed = time.time() - naive_started
    store.dispose()
    ctx.redis.close()
    workers = memory.summary(began, ended)
    run = TopologyRun(
        topology=topology, mentions_per_s=len(rows) / elapsed, elapsed_s=elapsed,
        p50_latency_s=percentile(latencies, 50), p99_latency_s=percentile(latencies, 99),
        offered_p50_latency_s=percentile(offered, 50),
        offered_p99_latency_s=percentile(offered, 99),
        peak_worker_rss_mb=max((w.peak_rss_mb for w in workers), default=0.0),
        redis_cpu_s=redis_cpu, ingest_s=ingest_s, stages=stages, workers=workers,
    )  # fmt: skip
    naive_rate = len(naive) / naive_elapsed if naive else 0.0
    return StackRun(run, len(paced), spread, len(naive), naive_rate)


def _figures(
    options: BenchOptions,
    runs: list[StackRun],
    redis_peak_mb: float,
    encoding: list[EncodingFigure],
) -> BenchFigures:
    naive = next((r for r in runs if r.naive_mentions), None)
    naive_rate = naive.naive_per_s if naive else 0.0
    topologies = [
        r.run.model_copy(
            update={"speedup_vs_naive": r.run.mentions_per_s / naive_rate if naive_rate else 0.0}
        )
        for r in runs
    ]
    head, spread = topologies[0], runs[0].campaign or CampaignRun(0, 0.0, 0.0, 0)
    return BenchFigures(
        topology=head.topology, mentions=options.mentions, mentions_per_s=head.mentions_per_s,
        elapsed_s=head.elapsed_s, p50_latency_s=head.p50_latency_s,
        p99_latency_s=head.p99_latency_s,
        offered_per_s=options.offered_per_s, offered_mentions=runs[0].paced_mentions,
        offered_p50_latency_s=head.offered_p50_latency_s,
        offered_p99_latency_s=head.offered_p99_latency_s,
        campaign_mentions=spread.mentions, campaign_mentions_per_s=spread.per_s,
        campaign_vs_mix=spread.per_s / head.mentions_per_s,
        campaign_slowest_redis_reply_s=spread.slowest_reply_s,
        campaign_largest_bucket=spread.largest_bucket,
        naive_mentions=naive.naive_mentions if naive else 0, naive_mentions_per_s=naive_rate,
        speedup_vs_naive=head.speedup_vs_naive, peak_worker_rss_mb=head.peak_worker_rss_mb,
        redis_peak_memory_mb=redis_peak_mb, redis_cpu_s=head.redis_cpu_s, ingest_s=head.ingest_s,
        stages=head.stages, workers=head.workers, cpus=os.cpu_count() or 1,
        topologies=topologies, encoding=encoding,
    )  # fmt: skip
