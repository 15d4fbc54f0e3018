"""A report as an Excel workbook: its headline figures with their counts, its days, share of
voice, and its mentions and cases, one row each.

Times are the tenant's local times, naive in the cell (Excel has no zones) with the zone named
in the header. Every text cell is made inert as in the CSV: a stranger's "=HYPERLINK(..."
stays text.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from escucha.care.care_metrics import Rate
from escucha.core.models import as_utc
from escucha.report.contents import Report
from escucha.report.render import (
    CASE_COLUMNS,
    MENTION_COLUMNS,
    CaseLine,
    Cell,
    case_cells,
    inert,
    mention_cells,
)
from escucha.report.words import words_for

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# Words the workbook needs beyond escucha.report.words, in the same languages.
SHEET_WORDS: Mapping[str, Mapping[str, str]] = {
    "es": {"summary": "Resumen", "days": "Por día", "mentions": "Menciones", "cases": "Casos",
           "value": "valor", "of": "de", "day": "día", "name": "nombre", "own": "propia",
           "total": "total", "resolved": "Casos resueltos", "cycles": "ciclos de casos",
           "minutes": "min", "csat": "CSAT: satisfechos de los que respondieron",
           "csat_answered": "CSAT: respondieron de los preguntados",
           "ror_positive": "ROR: menciones positivas", "ror_recommend": "ROR: recomendaciones",
           "ror_recovered": "ROR: quejas recuperadas", "ror_deals": "ROR: ventas ganadas",
           "ror_revenue": "ROR: ingresos atribuidos (moneda del CRM)"},
    "en": {"summary": "Summary", "days": "By day", "mentions": "Mentions", "cases": "Cases",
           "value": "value", "of": "of", "day": "day", "name": "name", "own": "own",
           "total": "total", "resolved": "Cases resolved", "cycles": "case cycles",
           "minutes": "min", "csat": "CSAT: satisfied of those who answered",
           "csat_answered": "CSAT: answered of those asked",
           "ror_positive": "ROR: positive mentions", "ror_recommend": "ROR: recommendations",
           "ror_recovered": "ROR: complaints recovered", "ror_deals": "ROR: deals won",
           "ror_revenue": "ROR: revenue attributed (CRM currency)"},
}  # fmt: skip

DATE, MOMENT, SHARE, MINUTES, NET = "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "0%", "0.0", "+0.00;-0.00;0"
MOST_CHARS = 32_767  # what an Excel cell holds; a longer one makes Excel "repair" the file
WIDEST = 60  # characters: long texts wrap the eye, not the sheet

Row = list[tuple[Cell | date, str | None]]  # (value, number format)


def workbook(report: Report, cases: Sequence[CaseLine]) -> bytes:
    """The workbook's .xlsx bytes: summary, days, share of voice, mentions, cases."""
    language, w = words_for(report.tenant.languages)
    x = SHEET_WORDS[language]
    zone = report.tenant.zone
    book = Workbook(write_only=True)  # rows stream out: a month of mentions stays small
    summary = [[(_capital(str(row[0][0])), None), *row[1:]] for row in summary_rows(report, w, x)]
    _sheet(book, x["summary"], [w["figure"], x["value"], w["count"], x["of"]], summary)
    day_header = [f"{x['day']} ({report.tenant.timezone})", w["positive"], w["neutral"],
                  w["negative"], x["total"], w["net"]]  # fmt: skip
    _sheet(book, x["days"], day_header, day_rows(report))
    if report.voices:
        _sheet(book, w["voice"], [x["name"], x["own"], w["mentions"], w["positive"],
                                  w["negative"], w["net"]], voice_rows(report))  # fmt: skip
    _sheet(book, x["mentions"], zoned(MENTION_COLUMNS, report.tenant.timezone),
           [typed(mention_cells(row), zone) for row in report.posts])  # fmt: skip
    _sheet(book, x["cases"], zoned(CASE_COLUMNS, report.tenant.timezone),
           [typed(case_cells(line), zone) for line in cases])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def summary_rows(report: Report, w: Mapping[str, str], x: Mapping[str, str]) -> list[Row]:
    """The headline figures, each with the counts behind it (value, count, of)."""
    care, recovery, zone = report.care, report.recovery, report.tenant.zone
    mins = x["minutes"]
    rows: list[Row] = [
        [(w["period"], None), (report.period.label, None)],
        [(w["zone"], None), (report.tenant.timezone, None)],
        [(f"{w['generated']} ({report.tenant.timezone})", None),
         (_local(report.generated_at, zone), MOMENT)],
        [(w["mentions"], None), (report.mentions, None)],
        _rate(w["response_rate"], care.response_rate),
    ]  # fmt: skip
    for label, times in ((w["first"], care.first_response), (w["next"], care.next_response),
                         (w["resolution"], care.resolution)):  # fmt: skip
        rows.append([(f"{label}: {w['median']}, {w['business']} ({mins})", None),
                     (times.business_median_minutes, MINUTES), (times.count, None)])  # fmt: skip
        rows.append([(f"{label}: {w['median']}, {w['by_clock']} ({mins})", None),
                     (times.median_minutes, MINUTES), (times.count, None)])  # fmt: skip
    rows.append(_rate(x["resolved"], care.resolved))
    rows.append([(x["cycles"], None), (care.cycles, None)])
    for target, rate in care.sla.items():
        rows.append(_rate(f"{w['sla']}: {w.get('sla_' + target, target)}", rate))
    rows.append([(w["recovery"], None), (recovery.so_far, SHARE), (recovery.recovered, None),
                 (recovery.complainers, None)])  # fmt: skip
    rows.append([(w["still_open"], None), (recovery.still_open, None)])
    rows.append([(w["automated"], None), (care.automated_replies_excluded, None)])
    rows.append(_rate(x["csat_answered"], care.csat.answered))
    rows.append(_rate(x["csat"], care.csat.satisfied))
    ledger = report.ledger
    rows.append([(x["ror_positive"], None), (ledger.positive_mentions, None)])
    rows.append([(x["ror_recommend"], None), (ledger.recommendations, None)])
    rows.append([(x["ror_recovered"], None), (ledger.recovered_complaints, None),
                 (ledger.recovered_complaints, None), (ledger.complainers, None)])  # fmt: skip
    rows.append([(x["ror_deals"], None), (ledger.deals_won, None)])
    priced = ledger.deals_won - ledger.deals_without_amount  # the deals the revenue is over
    rows.append([(x["ror_revenue"], None), (ledger.revenue, None), (priced, None)])
    return rows


def day_rows(report: Report) -> list[Row]:
    return [[(d.day, DATE), (d.positive, None), (d.neutral, None), (d.negative, None),
             (d.total, None), ((d.positive - d.negative) / d.total if d.total else None, NET)]
            for d in report.days]  # fmt: skip


def voice_rows(report: Report) -> list[Row]:
    return [[(v.name, None), (v.own, None), (v.mentions, None), (v.positive, None),
             (v.negative, None), (v.net, NET)] for v in report.voices]  # fmt: skip


def zoned(columns: Sequence[str], timezone: str) -> list[str]:
    """The columns, the times among them (`*_at`) naming the zone they are written in."""
    return [f"{c} ({timezone})" if c.endswith("_at") else c for c in columns]


def typed(cells: Sequence[Cell], zone: ZoneInfo) -> Row:
    return [(_local(c, zone), MOMENT) if isinstance(c, datetime) else (c, None) for c in cells]


def _rate(label: str, rate: Rate) -> Row:
    return [(label, None), (rate.value, SHARE), (rate.hits, None), (rate.over, None)]


def _capital(label: str) -> str:
    return label[:1].upper() + label[1:]


def _local(at: datetime, zone: ZoneInfo) -> datetime:
    return as_utc(at).astimezone(zone).replace(tzinfo=None)


def _text(value: str) -> str:
    """A text as a cell can hold it: inert, without the control characters XML refuses (openpyxl
    would raise on them and lose the whole export), and no longer than Excel reads."""
    return inert(ILLEGAL_CHARACTERS_RE.sub("\ufffd", value))[:MOST_CHARS]


def _sheet(book: Workbook, title: str, header: Sequence[str], rows: Sequence[Row]) -> None:
    sheet: WriteOnlyWorksheet = book.create_sheet(title)
    # A write-only sheet takes its widths and panes before its first row.
    widths = [len(h) for h in header]
    for row in rows:
        for i, (value, shown) in enumerate(row):
            widths[i] = max(widths[i], _width(value, shown))
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(width + 2, WIDEST)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_cell(sheet, name, None, bold) for name in header])
    for row in rows:
        sheet.append([_cell(sheet, value, shown) for value, shown in row])


def _cell(sheet: WriteOnlyWorksheet, value: Cell | date, shown: str | None,
          font: Font | None = None) -> WriteOnlyCell:  # fmt: skip
    cell = WriteOnlyCell(sheet, _text(value) if isinstance(value, str) else value)
    if shown is not None:
        cell.number_format = shown
    if font is not None:
        cell.font = font
    return cell


def _width(value: Cell | date, shown: str | None) -> int:
    if value is None:
        return 0
    if shown is not None:
        return len(shown)  # dates and numbers take their format's width
    return len(str(value))
