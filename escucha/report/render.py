"""A report as a business owner reads it: HTML, the same as PDF, its mentions or its cases as
CSV, or all of it as an Excel workbook."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader
from sqlalchemy import Engine

from escucha.care.casebook import changes, language_of, messages
from escucha.care.casework import project
from escucha.care.lifecycle import cycles
from escucha.care.response_times import cycle_times
from escucha.core.models import as_utc
from escucha.core.period import Period
from escucha.core.tenant import Tenant
from escucha.report import charts
from escucha.report.contents import Report
from escucha.report.formats import Export, minutes, percent, signed
from escucha.report.words import words_for
from escucha.store.cases import Cases
from escucha.store.schema import MentionRow

TEMPLATES = Environment(loader=PackageLoader("escucha.report", "templates"), autoescape=True)

Cell = str | int | float | bool | datetime | None  # datetimes aware, written in the tenant's zone

MENTION_COLUMNS = ("id", "created_at", "source", "author", "sentiment", "intent", "complaint",
                   "priority", "case_id", "text")  # fmt: skip
CASE_COLUMNS = ("id", "channel", "author", "opened_at", "status", "priority", "assignee",
                "cycles", "mentions", "first_response_at", "first_response_min",
                "first_response_business_min", "resolved_at", "sla_state", "policy")  # fmt: skip


@dataclass(frozen=True)
class CaseLine:
    """One case active in the period, as of the report's moment: a row of the cases export."""

    id: str
    channel: str
    author: str
    opened_at: datetime
    status: str
    priority: str
    assignee: str | None
    cycles: int
    mentions: int
    first_response_at: datetime | None  # the first reply a person sent on the case
    first_response_min: float | None  # wall-clock wait for it
    first_response_business_min: float | None  # the same wait in business time
    resolved_at: datetime | None  # of the current cycle
    sla_state: str | None
    policy: str | None


def case_lines(engine: Engine, tenant: Tenant, period: Period, now: datetime) -> list[CaseLine]:
    """The tenant's cases active in the period (the care figures' cases), each projected from
    its history as of `now` rather than read from a projection a sweep may not have refreshed."""
    cases, found = Cases(engine), []
    for case_id in cases.active(tenant.id, period.since, period.until):
        history = cases.history(case_id)
        if history is None or history.case.tenant != tenant.id:
            continue
        row, said, changed = history.case, messages(history), changes(history)
        # A case merged in may have begun earlier: its messages open the first cycle.
        opened = min([as_utc(row.opened_at), *(m.at for m in said)])
        state = project(tenant, row.source, opened, said, changed, now, language_of(tenant))
        every = cycles(opened, said, changed, now)
        first = cycle_times(tenant, said, every[0]).first_response
        found.append(CaseLine(
            id=row.id, channel=row.source, author=row.author, opened_at=opened,
            status=state.status.value, priority=state.priority.value, assignee=row.assignee,
            cycles=len(every), mentions=row.mention_count,
            first_response_at=first.ended_at if first else None,
            first_response_min=round(first.wall_s / 60, 2) if first else None,
            first_response_business_min=round(first.business_s / 60, 2) if first else None,
            resolved_at=state.resolved_at, sla_state=state.sla_state, policy=state.policy,
        ))  # fmt: skip
    return found


def mention_cells(row: MentionRow) -> list[Cell]:
    """A mention as MENTION_COLUMNS, typed: the CSV and the workbook write these."""
    return [row.id, as_utc(row.created_at), row.source, row.author, row.sentiment, row.intent,
            row.complaint, row.priority_label, row.case_id, row.text]  # fmt: skip


def case_cells(line: CaseLine) -> list[Cell]:
    """A case as CASE_COLUMNS, typed."""
    return [getattr(line, name) for name in CASE_COLUMNS]


def html(report: Report) -> str:
    language, w = words_for(report.tenant.languages)
    zone = report.tenant.zone

    def local(at: datetime) -> str:
        return as_utc(at).astimezone(zone).strftime("%Y-%m-%d %H:%M")

    recovery = report.recovery
    steps = [(w["complainers"], recovery.complainers), (w["decided"], recovery.decided),
             (w["recovered"], recovery.recovered)]  # fmt: skip
    drawn = {
        "volume": charts.volume_chart(report.days, (w["negative"], w["neutral"], w["positive"])),
        "voice": charts.voice_chart(report.voices, w["mentions"]),
        "recovery": charts.funnel_chart(steps),
    }
    times = [(w["first"], report.care.first_response), (w["next"], report.care.next_response),
             (w["resolution"], report.care.resolution)]  # fmt: skip
    return TEMPLATES.get_template("report.html.j2").render(
        r=report, w=w, language=language, name=report.tenant.name or report.tenant.id,
        generated=local(report.generated_at), local=local, times=times,
        charts={k: base64.b64encode(v).decode() for k, v in drawn.items()},
        pct=percent, mins=minutes, signed=signed,
    )  # fmt: skip


def pdf(report: Report) -> bytes:
    from weasyprint import HTML  # imported when a PDF is asked for: it loads Pango

    return bytes(HTML(string=html(report)).write_pdf())


def mentions_csv(report: Report) -> str:
    """The period's mentions, one row each, times in the tenant's zone."""
    rows = (mention_cells(row) for row in report.posts)
    return _csv(MENTION_COLUMNS, rows, report.tenant.zone)


def cases_csv(report: Report, cases: Sequence[CaseLine]) -> str:
    """The cases active in the period, one row each, times in the tenant's zone."""
    return _csv(CASE_COLUMNS, (case_cells(line) for line in cases), report.tenant.zone)


def export(report: Report, output_format: Export, cases: Sequence[CaseLine] = ()) -> bytes:
    """The report as the file `output_format` names; `cases` feed cases-csv and xlsx."""
    if output_format == "pdf":
        return pdf(report)
    if output_format == "csv":
        return mentions_csv(report).encode()
    if output_format == "cases-csv":
        return cases_csv(report, cases).encode()
    if output_format == "xlsx":
        from escucha.report import xlsx  # imported when asked for: openpyxl, and it imports us

        return xlsx.workbook(report, cases)
    return html(report).encode()


def _csv(header: Sequence[str], rows: Iterable[list[Cell]], zone: ZoneInfo) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for cells in rows:
        writer.writerow([_csv_cell(cell, zone) for cell in cells])
    return out.getvalue()


def _csv_cell(cell: Cell, zone: ZoneInfo) -> Cell:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return as_utc(cell).astimezone(zone).isoformat()
    return inert(cell) if isinstance(cell, str) else cell


def inert(cell: str) -> str:
    """A stranger's words as a spreadsheet cell that never runs as a formula ("=HYPERLINK(...")."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
