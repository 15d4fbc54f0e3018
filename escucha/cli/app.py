"""The `escucha` command line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from config.settings import Settings, get_settings
from escucha.cli import agents, canned, cases, channels, crisis, keys, report, ror, tenants
from escucha.cli.backend import QueueBackend, backend_of, refuse_dispatch
from escucha.cli.bench_queries import bench_queries
from escucha.pipeline.context import Dispatch, PipelineContext, connect_with
from escucha.pipeline.ingest import IngestReport, Row, ingest

app = typer.Typer(help="escucha: social listening and customer care.", no_args_is_help=True)
dlq_app = typer.Typer(help="Dead-letter lists: what could not be processed, and why.")
db_app = typer.Typer(help="The SQL system of record.")
app.add_typer(dlq_app, name="dlq")
app.add_typer(db_app, name="db")
app.add_typer(tenants.app, name="tenant")
app.add_typer(channels.app, name="channel")
app.add_typer(agents.app, name="agent")
app.add_typer(keys.app, name="key")
app.add_typer(canned.app, name="canned")
app.add_typer(crisis.app, name="crisis")
app.command("ror")(ror.ror)
app.command("report")(report.report)
app.command("cases")(cases.list_cases)
app.command("case")(cases.show_case)
app.command("reply")(cases.reply)
console = Console()
err = Console(stderr=True)

SAMPLE = "sample_mentions.jsonl"


@contextmanager
def pipeline_context(
    backend: QueueBackend | None, supervise: bool = False
) -> Iterator[tuple[Settings, PipelineContext]]:
    """A live broker (private if REDIS_URL is unset), the settings pointed at it, and this
    process's view of the pipeline; without a backend, the pipeline refuses to dispatch."""
    from escucha.ops.redis_server import RedisServerError
    from escucha.ops.stack import broker

    try:
        with broker(get_settings(), supervise) as url:
            if backend is not None:
                backend.use_broker(url)
            dispatch = backend.dispatch if backend is not None else refuse_dispatch
            yield _connected(get_settings().with_redis(url), dispatch)
    except RedisServerError as error:
        err.print(f"[red]{error}[/]")
        raise typer.Exit(1) from error


@contextmanager
def running_pipeline() -> Iterator[tuple[Settings, PipelineContext]]:
    """For read-only commands: the Redis that is running, if any. Never starts or removes one."""
    import redis

    from escucha.ops.stack import running_broker

    settings = get_settings()
    url = running_broker(settings)
    if url is None:
        err.print(
            f"[red]no Redis is running for {settings.stores.data_dir}[/]: "
            "start `escucha up`, or set REDIS_URL"
        )
        raise typer.Exit(1)
    try:
        yield _connected(settings.with_redis(url), refuse_dispatch)
    except redis.ConnectionError as error:
        err.print(f"[red]Redis at {url} is not answering[/]: {error}")
        raise typer.Exit(1) from error


def _connected(settings: Settings, dispatch: Dispatch) -> tuple[Settings, PipelineContext]:
    return settings, connect_with(settings, dispatch)


def report_ingest(report: IngestReport) -> None:
    console.print(f"accepted [bold]{len(report.accepted)}[/] mentions in {report.batches} batches")
    if report.duplicates:
        console.print(
            f"[yellow]{len(report.duplicates)} repeated ids[/] (the later row wins): "
            + ", ".join(report.duplicates[:5])
        )
    for letter in report.rejected[:20]:
        err.print(f"[red]rejected[/] {letter.location or letter.mention_id}: {letter.reason}")
    if len(report.rejected) > 20:
        err.print(
            f"... and {len(report.rejected) - 20} more: see `escucha dlq list --stage ingest`"
        )
    if report.rejected:
        err.print(f"{len(report.rejected)} rows dead-lettered to 'ingest'")


@app.command("import")
def import_file(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help=".csv or .jsonl")],
    source: Annotated[str, typer.Option(help="source for rows that name none")] = "import",
    tenant: Annotated[str | None, typer.Option(help="tenant for rows that name none")] = None,
) -> None:
    """Import mentions from CSV or JSONL (id, text, author, created_at), or a twcs export.

    Waits, saying why, while the pipeline is past its high-water mark.
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from escucha.channels.imports import read_file
    from escucha.pipeline.backpressure import Backpressure, wait_when_full

    rows = read_file(path, source)
    if tenant:
        rows = (row.with_fields(tenant=row.value("tenant") or tenant) for row in rows)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with (
        pipeline_context(backend_of(ctx)) as (settings, pipeline),
        Progress(*columns, console=err) as progress,
    ):
        task = progress.add_task(f"importing {path.name}", total=None)
        reading = f"importing {path.name}: {{:,}} rows read"

        def counted() -> Iterator[Row]:
            for n, row in enumerate(rows, start=1):
                if n % 500 == 0:
                    progress.update(task, description=reading.format(n))
                yield row

        def waiting(full: Backpressure) -> None:
            progress.update(task, description=f"[yellow]waiting[/]: {full}")

        room = wait_when_full(pipeline, settings.pipeline.ingest_high_water, waiting)
        report = ingest(pipeline, counted(), room)
    report_ingest(report)


@app.command()
def analyze() -> None:
    """Analyse JSONL {"id", "text"} lines from stdin into JSONL results on stdout; no broker."""
    from escucha.nlp import registry
    from escucha.nlp.analyzer import Analyzer
    from escucha.nlp.batch import analyze_lines

    settings = get_settings()
    analyzer = Analyzer(
        registry.load(settings.analysis.models_dir, settings.analysis.model_version)
    )
    for line in analyze_lines(sys.stdin, analyzer):
        sys.stdout.write(line + "\n")


@app.command()
def train(
    data: Annotated[Path | None, typer.Option(help="your labelled CSV/JSONL: text,label")] = None,
    head: Annotated[
        str,
        typer.Option(
            help="what --data labels: sentiment_es, sentiment_en, complaint or offensive_es"
        ),
    ] = "sentiment_es",
    data_only: Annotated[
        bool, typer.Option(help="train on --data alone, none of the shared corpora")
    ] = False,
    release: Annotated[
        bool,
        typer.Option(help="build the model escucha ships (needs ../shared/data; about 10 min)"),
    ] = False,
) -> None:
    """Train a model version from ../shared/data (plus --data) under ESCUCHA_MODELS_DIR."""
    from escucha.training.custom import train_version

    if release:
        _release()
        return
    settings = get_settings()
    version, card = train_version(settings.analysis.models_dir, data, head, data_only)
    console.print(
        f"trained model [bold]{version}[/] in {card['training_seconds']} s "
        f"({card['features']['terms']:,} term and {card['features']['characters']:,} "
        f"character features) → {settings.analysis.models_dir / version}"
    )
    for name, info in card["data"].items():
        console.print(f"  {name}: {info['rows']:,} rows ({info['licence']}: {info['terms']})")
    console.print(f"terms: {card['terms']}")


def _release() -> None:
    from escucha.nlp.registry import SHIPPED_DIR
    from escucha.training.release import build

    with console.status("release") as status:
        card = build(SHIPPED_DIR, 5, lambda step: status.update(f"release: {step}"))
    console.print(f"shipped model [bold]{card['version']}[/] → {SHIPPED_DIR}")
    for figures in card["cross_validation"].values():
        console.print(
            f"  {figures['title']}: float {figures['float']:.4f}, shipped "
            f"{figures['packed']:.4f} ({figures['change']:+.4f})"
        )
    console.print(f"  {card['weights']['bytes']:,} bytes, loads in {card['load_seconds']} s")


@app.command("eval")
def evaluate_command(
    folds: Annotated[int, typer.Option(min=2)] = 5,
    target: Annotated[list[str] | None, typer.Option(help="corpus names; all when omitted")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON line per target")] = False,
    gold_only: Annotated[bool, typer.Option(help="only the hand-labelled gold set")] = False,
    tone: Annotated[
        bool, typer.Option(help="only the tone check's rules, on its reply set")
    ] = False,
) -> None:
    """Cross-validated macro-F1 on ../shared/data; then the gold set with the current model."""
    from escucha.nlp import registry
    from escucha.nlp.analyzer import Analyzer
    from escucha.training.report import run_evaluation, run_gold, run_tone

    if tone:
        run_tone(as_json, console)
        return
    settings = get_settings()
    if not gold_only:
        run_evaluation(folds, target, as_json, console)
    run_gold(
        Analyzer(registry.load(settings.analysis.models_dir, settings.analysis.model_version)),
        as_json,
        console,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the current schema."""
    from escucha.store.migrate import upgrade

    settings = get_settings()
    settings.stores.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.stores.effective_database_url)
    console.print(f"schema up to date: {_redact(settings.stores.effective_database_url)}")


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@dlq_app.command("list")
def dlq_list(
    stage: Annotated[str | None, typer.Option(help="one stage; all when omitted")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 20,
) -> None:
    """Show dead letters: stage, mention, where, why."""
    with running_pipeline() as (_, ctx):
        sizes = ctx.dead_letters.sizes()
        stages = [stage] if stage else list(sizes)
        if not any(sizes.get(s) for s in stages):
            console.print("no dead letters")
            return
        for name in stages:
            table = Table(title=f"dead letters: {name} ({sizes.get(name, 0)})")
            for column in ("mention", "where", "attempts", "reason", "at"):
                table.add_column(column)
            for letter in ctx.dead_letters.list(name, limit):
                table.add_row(
                    letter.mention_id or "-",
                    letter.location or "-",
                    str(letter.attempts),
                    letter.reason,
                    letter.at.strftime("%Y-%m-%d %H:%M:%S"),
                )
            console.print(table)


@dlq_app.command("replay")
def dlq_replay(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option(help="one stage; all when omitted")] = None,
) -> None:
    """Re-drive dead letters through the pipeline (after fixing what sent them there)."""
    from escucha.pipeline.replay import redrive

    backend = backend_of(ctx)
    with pipeline_context(backend) as (_, pipeline):
        republish = backend.republish()
        stages = [stage] if stage else list(pipeline.dead_letters.sizes())
        for name in stages:
            count = pipeline.dead_letters.replay(
                name, lambda letter: redrive(pipeline, letter, republish)
            )
            console.print(f"{name}: re-drove {count}")


app.command("bench-queries")(bench_queries)


@app.command("bench-analysis")
def bench_analysis(
    texts: Annotated[int, typer.Option(min=100)] = 50_000,
    as_json: Annotated[bool, typer.Option("--json", help="end with one JSON line")] = False,
) -> None:
    """One core: texts/s of the whole analysis, model load time, peak memory."""
    from escucha.bench.analysis import as_json as to_json
    from escucha.bench.analysis import run
    from escucha.ops.runtime import tune_gc

    tune_gc()  # as in a worker
    settings = get_settings()
    result = run(settings.analysis.models_dir, settings.analysis.model_version, texts)
    table = Table(title=f"analysis on one core, {result.texts:,} texts")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("model", result.model_version or "none (lexicons and rules)")
    table.add_row("model load and warm-up (s)", f"{result.load_s:.2f}")
    table.add_row("texts/s, whole analysis", f"{result.texts_per_s:,.0f}")
    for step, micros in result.us_per_text.items():
        table.add_row(f"µs/text: {step}", f"{micros:.1f}")
    table.add_row("peak RSS (MB)", f"{result.peak_rss_mb:.0f}")
    console.print(table)
    if as_json:
        sys.stdout.write(to_json(result) + "\n")


@app.command()
def status() -> None:
    """Queue lengths, mentions in flight, dead letters, counters and channel health."""
    from escucha.channels.health import ChannelHealth
    from escucha.nlp import registry
    from escucha.pipeline.stages import QUEUE_NAMES

    with running_pipeline() as (settings, ctx):
        table = Table(title="escucha status")
        table.add_column("what")
        table.add_column("value", justify="right")
        model = registry.choose(settings.analysis.models_dir, settings.analysis.model_version)
        table.add_row("analysis model", model.describe())
        for queue in QUEUE_NAMES:
            table.add_row(f"queue {queue}", str(ctx.redis.llen(queue)))
        table.add_row("accepted, not yet stored", str(ctx.ledger.pending()))
        age = ctx.ledger.oldest_age_s()
        table.add_row("oldest in flight (s)", f"{age:.1f}" if age is not None else "-")
        for name, size in ctx.dead_letters.sizes().items():
            table.add_row(f"dead letters {name}", str(size))
        for name, value in sorted(ctx.stats.read().items()):
            table.add_row(f"total {name}", str(value))
        for channel in ChannelHealth(ctx.redis).report():
            table.add_row(f"channel {channel.tenant}:{channel.name}", _channel_line(channel))
        console.print(table)


def _channel_line(channel: Any) -> str:
    parts = [channel.status]
    if channel.silent_for_s:
        parts.append(f"quiet {channel.silent_for_s:.0f} s")
    if channel.last_error:
        parts.append(f"last error: {channel.last_error[:60]}")
    if channel.last_signature_failure:
        parts.append(f"last refused signature: {channel.last_signature_failure[:60]}")
    if channel.unmapped:
        parts.append(f"{channel.unmapped} events for unmapped accounts ({channel.last_unmapped})")
    return ", ".join(parts)


Host = Annotated[str, typer.Option(help="address the HTTP API listens on")]
Port = Annotated[int, typer.Option(help="port of the HTTP API")]


@app.command()
def api(ctx: typer.Context, host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Serve the HTTP ingest API (webhooks, /v1/mentions, /docs) until Ctrl-C."""
    import uvicorn

    from escucha.pipeline.stages import QUEUE_NAMES
    from escucha.store.migrate import upgrade
    from escucha.web.app import create_app

    backend = backend_of(ctx)
    with pipeline_context(backend) as (settings, _):
        upgrade(settings.stores.effective_database_url)
        app = create_app(settings, backend.dispatch, list(QUEUE_NAMES))
        # Open event streams (the inbox's live rows) must not hold a shutdown for long.
        uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5)


@app.command()
def up(
    beat: Annotated[bool, typer.Option(help="also run Celery beat")] = True,
    concurrency: Annotated[int | None, typer.Option(help="children for the stage workers")] = None,
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option(help="the web inbox and HTTP API's port; 0: none")] = 8000,
) -> None:
    """Run Redis (if REDIS_URL is unset), workers, beat, the web inbox and API, until Ctrl-C."""
    from escucha.cli.interrupt import wait_for_interrupt
    from escucha.ops.launcher import Launcher
    from escucha.pipeline.stages import default_groups
    from escucha.store.migrate import upgrade

    with pipeline_context(None, supervise=True) as (settings, _):
        settings.stores.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.stores.effective_database_url)
        env = {"REDIS_URL": settings.stores.effective_redis_url}
        groups = default_groups(concurrency, settings.pipeline.topology)
        logs = settings.stores.data_dir / "logs"
        with Launcher(env, logs, groups, beat, supervise=True) as stack:
            if port:
                stack.start_api(host, port)
            console.print(
                f"escucha is up: broker {settings.stores.effective_redis_url}, "
                f"store {_redact(settings.stores.effective_database_url)}, "
                + (f"web inbox http://{host}:{port}/ (API /docs), " if port else "")
                + f"logs in {settings.stores.data_dir / 'logs'}. Ctrl-C stops."
            )
            wait_for_interrupt(stack, console, err)


@app.command()
def demo(
    ctx: typer.Context,
    sample: Annotated[
        Path | None, typer.Option(help="JSONL/CSV to use instead of the bundled sample")
    ] = None,
    timeout: Annotated[float, typer.Option(help="seconds to wait for every mention")] = 300.0,
    serve: Annotated[
        bool, typer.Option(help="then keep the web inbox running with a demo login, until Ctrl-C")
    ] = False,
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option(help="the web inbox's port with --serve")] = 8000,
) -> None:
    """Run the pipeline on a bundled sample with real workers, then summarise what was stored."""
    from escucha.cli.demo import Serving, run_demo

    path = sample or Path(str(resources.files("escucha.cli.demo") / SAMPLE))
    serving = Serving(host, port, err) if serve else None
    outcome = run_demo(path, timeout, console, backend_of(ctx), serving)
    if not outcome.complete:
        raise typer.Exit(1)
