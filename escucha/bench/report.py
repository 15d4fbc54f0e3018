"""Printing `escucha bench` figures as tables."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from escucha.bench.figures import BenchFigures


def render(figures: BenchFigures, console: Console) -> None:
    main = Table(title=f"escucha bench: {figures.mentions:,} mentions, {figures.cpus} CPUs")
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
