"""Printing `escucha bench` figures as tables."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from escucha.bench.figures import BenchFigures, EncodingFigure, WorkerMemory


def render(figures: BenchFigures, console: Console) -> None:
    if len(figures.topologies) > 1:
        render_topologies(figures, console)
    if figures.encoding:
        render_encoding(figures.encoding, console)
    main = Table(
        title=f"escucha bench, {figures.topology}: {figures.mentions:,} mentions, "
        f"{figures.cpus} CPUs, stored in {figures.store}"
    )
    main.add_column("measure")
    main.add_column("value", justify="right")
    rows = [
        ("end to end, mentions/s", f"{figures.mentions_per_s:,.0f}"),
        ("elapsed (s)", f"{figures.elapsed_s:.1f}"),
        ("latency p50 / p99 under full load (s)",
         f"{figures.p50_latency_s:.2f} / {figures.p99_latency_s:.2f}"),
        (f"latency p50 / p99 at {figures.offered_per_s:,.0f}/s offered (s)",
         f"{figures.offered_p50_latency_s:.2f} / {figures.offered_p99_latency_s:.2f}"),
        (f"copy-paste campaign ({figures.campaign_mentions:,} near-identical), mentions/s",
         f"{figures.campaign_mentions_per_s:,.0f} ({figures.campaign_vs_mix:.2f}x the mix)"),
        ("campaign: slowest Redis reply (s) / fullest index bucket",
         f"{figures.campaign_slowest_redis_reply_s:.3f} / {figures.campaign_largest_bucket}"),
        (f"naive pipeline ({figures.naive_mentions:,} of the same), mentions/s",
         f"{figures.naive_mentions_per_s:,.0f}"),
        ("speed-up over naive", f"{figures.speedup_vs_naive:.1f}x"),
        ("peak worker RSS (MB)", f"{figures.peak_worker_rss_mb:.0f}"),
        ("Redis peak memory (MB)", f"{figures.redis_peak_memory_mb:.0f}"),
        ("Redis CPU during the full-load run (s)", f"{figures.redis_cpu_s:.1f}"),
        ("producer time to accept them all (s)", f"{figures.ingest_s:.1f}"),
    ]  # fmt: skip
    for name, value in rows:
        main.add_row(name, value)
    console.print(main)
    stages = Table(title="worker time per stage (summed over batches)")
    for column in ("stage", "ms per 1,000 mentions", "share"):
        stages.add_column(column, justify="right" if column != "stage" else "left")
    for stage in figures.stages:
        stages.add_row(stage.stage, f"{stage.ms_per_1000:,.0f}", f"{stage.share:.0%}")
    console.print(stages)
    memory = Table(title="worker memory (MB): peak, and peak in each half of the run")
    for column in ("process", "peak", "first half", "second half"):
        memory.add_column(column, justify="right" if column != "process" else "left")
    for worker in figures.workers:
        memory.add_row(worker.process, f"{worker.peak_rss_mb:.0f}",
                       f"{worker.first_half_mb:.0f}", f"{worker.second_half_mb:.0f}")  # fmt: skip
    console.print(memory)


def render_topologies(figures: BenchFigures, console: Console) -> None:
    """Each topology's figures from the same run, side by side."""
    runs = figures.topologies
    table = Table(title=f"topologies side by side: {figures.mentions:,} mentions each, "
                  f"{figures.cpus} CPUs, the same run")  # fmt: skip
    table.add_column("measure")
    for run in runs:
        table.add_column(run.topology, justify="right")
    rows = [
        ("end to end, mentions/s", [f"{r.mentions_per_s:,.0f}" for r in runs]),
        (f"x the naive chain ({figures.naive_mentions_per_s:,.0f}/s)",
         [f"{r.speedup_vs_naive:.1f}x" for r in runs]),
        (f"latency p50 / p99 at {figures.offered_per_s:,.0f}/s offered (s)",
         [f"{r.offered_p50_latency_s:.2f} / {r.offered_p99_latency_s:.2f}" for r in runs]),
        ("latency p50 / p99 under full load (s)",
         [f"{r.p50_latency_s:.2f} / {r.p99_latency_s:.2f}" for r in runs]),
        ("peak worker RSS (MB)", [f"{r.peak_worker_rss_mb:.0f}" for r in runs]),
        ("worker RSS, first half / second half (MB, the largest process)",
         [_halves(r.workers) for r in runs]),
        ("Redis CPU during the full load (s)", [f"{r.redis_cpu_s:.1f}" for r in runs]),
        ("producer time to accept them all (s)", [f"{r.ingest_s:.1f}" for r in runs]),
        ("worker ms per 1,000 mentions, by stage task",
         [" / ".join(f"{s.stage} {s.ms_per_1000:,.0f}" for s in r.stages) for r in runs]),
    ]  # fmt: skip
    for name, values in rows:
        table.add_row(name, *values)
    console.print(table)


def _halves(workers: list[WorkerMemory]) -> str:
    largest = max(workers, key=lambda w: w.peak_rss_mb, default=None)
    if largest is None:
        return "-"
    return f"{largest.first_half_mb:.0f} / {largest.second_half_mb:.0f} ({largest.process})"


def render_encoding(figures: list[EncodingFigure], console: Console) -> None:
    table = Table(title="stage records: bytes and CPU per record, a batch of 1,000")
    for column in ("record", "encoding", "bytes", "encode µs", "decode µs", "both µs"):
        table.add_column(column, justify="right" if column.endswith(("s", "µs")) else "left")
    for f in figures:
        table.add_row(f.kind, f.encoding, f"{f.bytes_per_record:,.0f}", f"{f.encode_us:.1f}",
                      f"{f.decode_us:.1f}", f"{f.encode_us + f.decode_us:.1f}")  # fmt: skip
    console.print(table)
