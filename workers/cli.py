"""The `escucha` command: escucha's command line with Celery plugged in.

This is the composition root. escucha/ never imports Celery; here the command line gets a
`QueueBackend` that dispatches, republishes and pings through the Celery app, and the one
command that drives worker processes directly (`bench`) is added.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from escucha.cli.app import app, console, err
from escucha.ops.launcher import Launcher
from escucha.pipeline.replay import Republish


class CeleryBackend:
    """Imports the Celery app only when a command hands work on: the others start faster."""

    def use_broker(self, url: str) -> None:
        from workers.app import app

        app.conf.broker_url = url

    def dispatch(self, stage: str, batch_id: str, ids: list[str]) -> None:
        from workers.resources import dispatch

        dispatch(stage, batch_id, ids)

    def republish(self) -> Republish:
        from workers.republish import CeleryRepublish

        return CeleryRepublish()

    def wait_for_workers(
        self, count: int, timeout_s: float, launcher: Launcher | None = None
    ) -> list[str]:
        from workers.ready import wait_for_workers

        return wait_for_workers(count, timeout_s, launcher)


@app.command()
def bench(
    mentions: Annotated[int, typer.Option(help="mentions through the pipeline")] = 100_000,
    naive: Annotated[
        int, typer.Option(help="of those, how many through the naive baseline")
    ] = 5_000,
    rate: Annotated[int, typer.Option(help="offered load for the latency run, mentions/s")] = 1_000,
    seconds: Annotated[float, typer.Option(help="length of the latency run")] = 15.0,
    campaign: Annotated[
        int,
        typer.Option(help="near-identical texts after the mix (a copy-paste campaign); 0: none"),
    ] = 100_000,
    topology: Annotated[
        list[str] | None,
        typer.Option(help="a topology to run (repeat for more; default: fused, then split)"),
    ] = None,
    encoding: Annotated[
        bool, typer.Option("--encoding", help="only measure the stage records' encodings")
    ] = False,
    database: Annotated[
        str | None,
        typer.Option(
            help="store in this PostgreSQL database (postgresql://...), migrated first; it must "
            "be empty or fresh (one holding mentions is refused), and the topologies share it. "
            "Default: a temporary SQLite file per topology"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="end with one line of JSON")] = False,
) -> None:
    """Benchmark the real pipeline (private Redis, workers, SQLite or --database), fused and
    split side by side, against a naive one."""
    from escucha.bench.report import render, render_encoding
    from escucha.pipeline.stages import TOPOLOGIES

    if encoding:
        from escucha.bench.encoding import measure

        measured = measure()
        render_encoding(measured, console)
        if as_json:
            print(json.dumps([f.model_dump() for f in measured]))
        return
    from workers.pipeline_bench import BenchOptions, DatabaseNotEmpty, postgres_url, run_bench

    unknown = set(topology or ()) - set(TOPOLOGIES)
    if unknown:
        raise typer.BadParameter(f"no such topology: {', '.join(sorted(unknown))}")
    chosen = tuple(t for t in BenchOptions.topologies if t in (topology or TOPOLOGIES))
    try:
        database_url = postgres_url(database) if database else None
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--database") from None
    options = BenchOptions(mentions=mentions, naive_mentions=min(naive, mentions),
                           offered_per_s=rate, offered_seconds=seconds,
                           campaign_mentions=campaign, topologies=chosen,
                           database_url=database_url)  # fmt: skip
    try:
        figures = run_bench(options, err)
    except DatabaseNotEmpty as error:
        raise typer.BadParameter(str(error), param_hint="--database") from None
    render(figures, console)
    if as_json:
        print(figures.model_dump_json())


def main(**kwargs: Any) -> None:
    app(prog_name="escucha", obj=CeleryBackend(), **kwargs)


if __name__ == "__main__":
    main()
