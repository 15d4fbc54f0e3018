"""A report as a business owner reads it: HTML, the same as PDF, or its mentions as CSV."""

from __future__ import annotations

import base64
import csv
import io
from datetime import datetime

from jinja2 import Environment, PackageLoader

from escucha.core.models import as_utc
from escucha.report import charts
from escucha.report.contents import Report
from escucha.report.formats import minutes, percent, signed
from escucha.report.words import words_for

TEMPLATES = Environment(loader=PackageLoader("escucha.report", "templates"), autoescape=True)


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
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "created_at", "source", "author", "sentiment", "intent", "complaint",
                     "priority", "case_id", "text"])  # fmt: skip
    zone = report.tenant.zone
    for row in report.posts:
        writer.writerow([row.id, as_utc(row.created_at).astimezone(zone).isoformat(), row.source,
                         inert(row.author), row.sentiment, row.intent, row.complaint,
                         row.priority_label, row.case_id or "", inert(row.text)])  # fmt: skip
    return out.getvalue()


def inert(cell: str) -> str:
    """A stranger's words as a spreadsheet cell that never runs as a formula ("=HYPERLINK(...")."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
