"""The weekly report as an e-mail: the headline figures in the tenant's language, as HTML and as
plain text, with the whole report attached as a PDF.

The body is a summary, not the report's HTML: that page draws its charts as data: images, which
most mail clients block, and it would double a mail that already carries them in the PDF.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from escucha.report.contents import Report
from escucha.report.formats import minutes, percent
from escucha.report.words import words_for

TOPICS_SHOWN = 3

MAIL_WORDS: Mapping[str, Mapping[str, str]] = {
    "es": {
        "subject": "Informe semanal de {name}: {span}",
        "intro": "Lo principal de la semana del {span} ({zone}).",
        "attached": "El informe completo, con gráficos y tablas, va adjunto en PDF.",
        "mentions": "Menciones", "incidents": "Incidentes", "topics": "Temas principales",
        "file": "informe-semanal",
    },
    "en": {
        "subject": "Weekly report for {name}: {span}",
        "intro": "The headline of the week of {span} ({zone}).",
        "attached": "The full report, with its charts and tables, is attached as a PDF.",
        "mentions": "Mentions", "incidents": "Incidents", "topics": "Top topics",
        "file": "weekly-report",
    },
}  # fmt: skip
MONTHS: Mapping[str, tuple[str, ...]] = {
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


@dataclass(frozen=True)
class Figure:
    """One headline line: what it is, its value, and the counts behind it."""

    label: str
    value: str
    detail: str = ""


def compose(
    report: Report, pdf: bytes, sender: str, to: Sequence[str], key: str, now: datetime
) -> EmailMessage:
    """The e-mail of `report`, sent as `key` (its Message-ID is the same on every attempt)."""
    language, m = _mail_words(report)
    name = _one_line(report.tenant.name or report.tenant.id)
    span = days_span(*_days(report), MONTHS.get(language, MONTHS["en"]))
    message = EmailMessage()
    # Headers are one line: a line break in a tenant's name must not start a header of its own.
    message["Subject"] = m["subject"].format(name=name, span=span)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id(key)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office robots stay quiet
    figures = headline(report)
    intro = m["intro"].format(span=span, zone=report.tenant.timezone)
    message.set_content(text_body(name, intro, figures, m["attached"]))
    message.add_alternative(html_body(language, name, intro, figures, m["attached"]),
                            subtype="html")  # fmt: skip
    attached = f"{m['file']}-{report.tenant.id}-{report.period.label}.pdf"
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=attached)
    # Set last: making the message multipart moves every Content-* header into its first part.
    message["Content-Language"] = language
    return message


def weekly_message(
    report: Report, sender: str, to: Sequence[str], key: str, now: datetime
) -> EmailMessage:
    """`compose` with the report rendered as PDF (weasyprint: seconds, not milliseconds)."""
    from escucha.report import render

    return compose(report, render.pdf(report), sender, to, key, now)


def message_id(key: str) -> str:
    """The Message-ID of the e-mail sent as `key`: a resend after a cut-off is recognisable."""
    # Outbox keys are tenant ids, ISO weeks and colons; a colon may not stand in a Message-ID.
    return f"<{key.replace(':', '.')}@escucha.reports>"


def headline(report: Report) -> list[Figure]:
    """The figures a business owner looks at first, in the report's own words."""
    _, w = words_for(report.tenant.languages)
    _, m = _mail_words(report)
    care, recovery = report.care, report.recovery
    negative = sum(d.negative for d in report.days)
    figures = [
        Figure(m["mentions"], str(report.mentions), f"{negative} {w['negative']}"),
        Figure(w["response_rate"], percent(care.response_rate.value),
               f"{care.response_rate.hits} / {care.response_rate.over} {w['of_needed']}"),
        Figure(w["first_response"], minutes(care.first_response.business_median_minutes),
               f"{care.first_response.count} {w['answered']}"),
    ]  # fmt: skip
    for target, rate in care.sla.items():
        label = f"{w['sla']}: {w.get(f'sla_{target}', target)}"
        figures.append(Figure(label, percent(rate.value), f"{rate.hits} / {rate.over} {w['met']}"))
    came_back = f"{recovery.recovered} / {recovery.complainers} {w['came_back']}"
    figures.append(Figure(w["recovery"], percent(recovery.so_far), came_back))
    figures.append(Figure(m["incidents"], str(len(report.incidents))))
    topics = ", ".join(topic for topic, _ in report.topics[:TOPICS_SHOWN]) or w["none"]
    figures.append(Figure(m["topics"], topics))
    return figures


def text_body(name: str, intro: str, figures: Sequence[Figure], attached: str) -> str:
    lines = [name, "", intro, ""]
    lines += [f"- {f.label}: {f.value}" + (f" ({f.detail})" if f.detail else "") for f in figures]
    return "\n".join([*lines, "", attached]) + "\n"


def html_body(
    language: str, name: str, intro: str, figures: Sequence[Figure], attached: str
) -> str:
    def e(text: str) -> str:
        return html.escape(text, quote=True)

    rows = "\n".join(
        f'<tr><td style="padding:4px 12px 4px 0">{e(f.label)}</td>'
        f'<td style="padding:4px 12px 4px 0"><b>{e(f.value)}</b></td>'
        f'<td style="padding:4px 0;color:#616e7c">{e(f.detail)}</td></tr>'
        for f in figures
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{e(language)}"><body '
        'style="font-family:Arial,sans-serif;color:#1f2933">\n'
        f"<h2>{e(name)}</h2>\n<p>{e(intro)}</p>\n"
        f'<table style="border-collapse:collapse">\n{rows}\n</table>\n'
        f"<p>{e(attached)}</p>\n</body></html>\n"
    )


def days_span(first: date, last: date, months: Sequence[str]) -> str:
    """A week's days as people write them: 23–29 nov 2026, 30 nov – 6 dic 2026."""
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {months[last.month - 1]} {last.year}"
    end = f"{last.day} {months[last.month - 1]} {last.year}"
    if first.year == last.year:
        return f"{first.day} {months[first.month - 1]} – {end}"
    return f"{first.day} {months[first.month - 1]} {first.year} – {end}"


def _days(report: Report) -> tuple[date, date]:
    """The first and last local days of the report's period."""
    zone = report.tenant.zone
    last = report.period.until - timedelta(microseconds=1)
    return report.period.since.astimezone(zone).date(), last.astimezone(zone).date()


def _mail_words(report: Report) -> tuple[str, Mapping[str, str]]:
    language, _ = words_for(report.tenant.languages)
    return language, MAIL_WORDS.get(language, MAIL_WORDS["en"])


def _one_line(text: str) -> str:
    return " ".join(text.split())
