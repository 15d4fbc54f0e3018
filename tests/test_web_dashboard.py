"""The web dashboard over a real socket: the report's figures for the agent's tenant only, over
the period chosen, with the report's charts, the counts behind each figure and the open
incidents with their explanation."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from escucha.store.incidents import Incidents
from escucha.store.queries import MentionFilter, find_mentions
from escucha.store.schema import MentionRow
from escucha.store.store import Store, make_engine
from escucha.store.tenants import Tenants
from escucha.web.dashboard import last_days
from tests.factories import triaged
from tests.security.conftest import make_api
from tests.web_site import ANA, BEA, log_in, with_logins

NOW = datetime.now(UTC)


def ago(days: float) -> str:
    return (NOW - timedelta(days=days)).isoformat()


@pytest.fixture
def site(redis_server, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url):
        engine = make_engine(sqlite_url)
        tenants = Tenants(engine)
        with_logins(engine, ANA, replace(BEA, languages=("en",)))
        tenants.put(tenants.get("a").model_copy(update={"name": "Tienda Sol",
                                                       "competitors": ["Rivalia"]}))  # fmt: skip
        store = Store(engine)
        store.save([
            triaged(1, tenant="a", author="lucia_g", text="mi maleta no llegó, fatal",
                    created_at=ago(2)),
            triaged(2, tenant="a", author="marta_r", text="gracias, el vuelo fue genial",
                    created_at=ago(3)),
            triaged(3, tenant="a", author="pablo_m", text="prefiero Rivalia, siempre puntual",
                    created_at=ago(5)),
            triaged(4, tenant="a", author="viejo_k", text="hace mucho, el pedido llegó roto",
                    created_at=ago(45)),
            triaged(5, tenant="b", author="pepe_b", text="el pedido llegó roto", created_at=ago(1)),
            triaged(6, tenant="b", author="rosa_b", text="no contestan nunca", created_at=ago(1)),
        ])  # fmt: skip
        yield api, engine
        engine.dispose()


def card(html: str, name: str) -> str:
    return re.search(rf'id="card-{name}">(.*?)</div>', html, re.DOTALL)[1]


def stored(engine, tenant: str, days: int) -> list[MentionRow]:
    span = last_days(days, Tenants(engine).get(tenant).zone, datetime.now(UTC))
    store = Store(engine)
    return find_mentions(store, tenant, MentionFilter(since=span.since, until=span.until))


def test_the_dashboard_shows_the_tenants_own_figures_with_the_counts_behind_them(site):
    api, engine = site
    log_in(api.client, "ana@tienda.es")
    page = api.client.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    assert "<b>3</b>" in card(html, "mentions")  # the 45-day-old one is outside 30 days
    mine = stored(engine, "a", 30)
    negative = sum(1 for m in mine if m.sentiment.value == "negative")
    assert f"{negative} negativas" in card(html, "mentions")
    # Share of voice: the tenant (every mention) and the competitor named once.
    voices = re.search(r'<table id="voices">(.*?)</table>', html, re.DOTALL)[1]
    assert re.search(r"Tienda Sol</th><td class=\"n\">3</td>", voices)
    assert re.search(r"Rivalia</th><td class=\"n\">1</td>", voices)
    # The report's three charts, each an image that says what it shows.
    charts = re.findall(r'<img id="chart-(\w+)" src="data:image/png;base64,[A-Za-z0-9+/=]{200,}'
                        r'" alt="([^"]+)"', html)  # fmt: skip
    assert [name for name, _ in charts] == ["volume", "voice", "recovery"]
    assert "3 menciones en total" in charts[0][1] and "Rivalia 1" in charts[1][1]
    # Care figures say how many conversations and cases are behind them.
    assert re.search(r"\d+ de \d+ conversaciones · \d+ casos", card(html, "response-rate"))
    assert "casos" in card(html, "first-response")
    # Nothing of tenant b's.
    assert "pepe_b" not in html and "rosa_b" not in html and "no contestan" not in html
    assert 'aria-current="page">Panel' in html


def test_the_period_chosen_changes_the_figures(site):
    api, _ = site
    log_in(api.client, "ana@tienda.es")
    assert "<b>4</b>" in card(api.client.get("/dashboard?days=90").text, "mentions")
    week = api.client.get("/dashboard?days=7").text
    assert "<b>3</b>" in card(week, "mentions")
    assert '<option value="7" selected>' in week
    # A span the form does not offer reads as the default, not as an error.
    odd = api.client.get("/dashboard?days=12345").text
    assert "<b>3</b>" in card(odd, "mentions") and '<option value="30" selected>' in odd


def test_another_tenant_sees_only_its_own_figures_in_its_agents_language(site):
    api, _ = site
    log_in(api.client, "bea@otra.es")
    html = api.client.get("/dashboard").text
    assert "<b>2</b>" in card(html, "mentions") and "Rivalia" not in html
    assert "Share of voice" in html and "Cuota de voz" not in html


def test_the_open_incident_is_on_the_dashboard_with_its_explanation(site):
    api, engine = site
    now = datetime.now(UTC)
    Incidents(engine).write("a", "inc_dash1", {
        "status": "escalating", "topic": "negative", "trigger": "surge_hour", "observed": 31,
        "expected": 2.0, "notified_excess": 0.0, "topics": ["negative"],
        "triggers": ["surge_hour"], "opened_at": now, "last_signal_at": now,
        "first_window_start": now - timedelta(hours=1), "closed_at": None,
        "explanation": {"headline": "31 menciones negativas en la última hora"},
    }, "opened", {}, now)  # fmt: skip
    Incidents(engine).write("b", "inc_other", {
        "status": "open", "topic": "all", "trigger": "surge_day", "observed": 9, "expected": 1.0,
        "notified_excess": 0.0, "topics": ["all"], "triggers": ["surge_day"], "opened_at": now,
        "last_signal_at": now, "first_window_start": now, "closed_at": None,
        "explanation": {"headline": "secreto de otra tienda"},
    }, "opened", {}, now)  # fmt: skip
    log_in(api.client, "ana@tienda.es")
    html = api.client.get("/dashboard").text
    live = re.search(r'id="live-incidents">(.*?)</section>', html, re.DOTALL)[1]
    assert "31 menciones negativas en la última hora" in live
    assert 'href="/incidents/inc_dash1"' in live and "Escalando" in live
    assert "nadie lo ha asumido" in live
    assert "<b>1</b>" in card(html, "incidents") and "secreto de otra tienda" not in html


def test_the_dashboard_needs_a_session(site):
    api, _ = site
    answer = api.client.get("/dashboard", follow_redirects=False)
    assert answer.status_code in (302, 303, 307) and answer.headers["location"] == "/login"
