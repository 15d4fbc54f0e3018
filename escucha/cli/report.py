"""`escucha report`: a tenant's period as a business owner reads it (HTML, PDF, an Excel
workbook) or its mentions or cases (CSV), written to a file or to stdout."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from escucha.cli.figures_for import PERIOD_HELP, tenant_and_period
from escucha.report.formats import WITH_CASES, Export

err = Console(stderr=True, soft_wrap=True)
FORMAT_HELP = ("html or pdf (the report), csv (its mentions), cases-csv (its cases), xlsx (a "
               "workbook: summary, days, share of voice, mentions, cases)")  # fmt: skip


def report(
    tenant_id: Annotated[str, typer.Option("--tenant", help="whose report")] = "default",
    period: Annotated[str, typer.Option(help=PERIOD_HELP)] = "",
    output_format: Annotated[Export, typer.Option("--format", help=FORMAT_HELP)] = "html",
    output: Annotated[Path | None, typer.Option(help="the file to write; stdout if omitted")] = (
        None
    ),
) -> None:
    """Volume and sentiment, share of voice, response times, SLA compliance, complaint
    recovery, fans to customers, top topics and incidents, in the tenant's language."""
    from escucha.report import render
    from escucha.report.contents import build_report

    now = datetime.now(UTC)
    engine, tenant, span = tenant_and_period(tenant_id, period, now)
    built = build_report(engine, tenant, span, now)
    cases = render.case_lines(engine, tenant, span, now) if output_format in WITH_CASES else []
    body = render.export(built, output_format, cases)
    if output is None:
        sys.stdout.buffer.write(body)
    else:
        output.write_bytes(body)
        err.print(f"{output_format} report for {tenant.id}, {span.label}: {output}")
