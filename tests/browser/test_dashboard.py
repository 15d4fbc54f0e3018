"""The dashboard and an incident in Chromium at 1280×800: a month of mentions, competitors, an
open incident opened by the watch, and acknowledging it from its page."""

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from escucha.core.tenant import Tenant
from escucha.insight.watch import Watch
from escucha.store.incidents import Incidents
from escucha.store.queries import MentionFilter, find_mentions
from escucha.store.rollups import Rollups
from escucha.store.store import Store, make_engine
from escucha.store.tenants import Tenants
from tests.browser.conftest import sign_in
from tests.crisis_history import SEVERE, Templates, burst
from tests.security.conftest import make_api
from tests.web_site import ANA, with_logins

TEXTS = (
    "Vuelo puntual y tripulación encantadora, gracias @aerosol",
    "@aerosol mi maleta no llegó, fatal el servicio",
    "¿Cuántos kilos se pueden llevar en cabina con AeroSol?",
    "Me quedo con Iberia, @aerosol siempre con retraso",
    "Vueling más barato pero @aerosol más cómodo, la verdad",
    "Smooth check-in, friendly staff, on-time departure. Thanks AeroSol!",
)


def a_month(store: Store, tenant: Tenant, now: datetime) -> None:
    """Thirty days of mentions, some naming the competitors, more of them lately."""
    rng, made = np.random.default_rng(7), Templates(tenant)
    batch = []
    for day in range(30):
        for i in range(int(rng.poisson(4 + day / 5))):
            at = now - timedelta(days=29 - day, hours=float(rng.uniform(0, 20)))
            text = TEXTS[int(rng.integers(len(TEXTS)))]
            batch.append(made.mention(text, day * 100 + i, min(at, now - timedelta(hours=1))))
    store.save(batch)


def open_incident(store: Store, tenant: Tenant, now: datetime) -> None:
    """A severe mention a few minutes ago, and the watch opening an incident for it."""
    store.save(burst(tenant, now - timedelta(minutes=3), 1, 9000, text=SEVERE))

    def mentions(t, since, until):
        return find_mentions(store, t, MentionFilter(since=since, until=until))

    watch = Watch(Rollups(store.engine), Incidents(store.engine), mentions, lambda *a: None)
    assert watch.check(tenant, now).incident_id


@pytest.fixture
def site(redis_server, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url):
        engine = make_engine(sqlite_url)
        tenants = Tenants(engine)
        tenant = tenants.get("a").model_copy(update={
            "name": "Aerolíneas Sol", "timezone": "Europe/Madrid", "brands": ["aerosol"],
            "competitors": ["Iberia", "Vueling", "Ryanair"]})  # fmt: skip
        tenants.put(tenant)
        with_logins(engine, ANA)
        now = datetime.now(UTC)
        a_month(Store(engine), tenant, now)
        open_incident(Store(engine), tenant, now)
        yield str(api.client.base_url).rstrip("/")
        engine.dispose()


def log_in(page: Page, site: str) -> None:
    sign_in(page, site, "ana@tienda.es")


def test_the_dashboard_then_taking_the_open_incident(site: str, page: Page, shot) -> None:
    log_in(page, site)
    page.get_by_role("link", name="Panel").click()
    expect(page.get_by_role("heading", name="Panel", exact=True)).to_be_visible()
    for chart in ("#chart-volume", "#chart-voice", "#chart-recovery"):
        expect(page.locator(chart)).to_have_attribute("alt", re.compile(r"\d"))
        assert page.locator(chart).evaluate("img => img.naturalWidth") > 300
    expect(page.locator("#live-incidents")).to_contain_text("en la última hora")
    shot(page, "dashboard")
    page.get_by_label("Periodo").select_option("7")
    page.get_by_role("button", name="Mostrar").click()
    expect(page).to_have_url(re.compile(r"days=7"))
    page.locator("#live-incidents a").first.click()
    expect(page.get_by_role("heading", name=re.compile("^Incidente"))).to_be_visible()
    shot(page, "incident")
    page.get_by_role("button", name="Reconocer: lo llevo yo").click()
    expect(page.locator("#acknowledgement")).to_contain_text("Reconocido por Ana")
    shot(page, "incident-taken")
    page.get_by_role("link", name="Volver a los incidentes").click()
    expect(page.locator("#incidents tbody tr")).to_have_count(1)
    expect(page.locator("#incidents")).to_contain_text("Ana")
    shot(page, "incidents")
