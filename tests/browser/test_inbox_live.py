"""The inbox in Chromium: the most urgent case on top, j/k selection, and a case that comes in
while the page is open appearing without a reload (server-sent events, then htmx)."""

import re

import pytest
from playwright.sync_api import Page, expect

from escucha.pipeline import events
from escucha.store.cases import CaseFilter, Cases
from escucha.store.store import Store, make_engine
from tests.browser.conftest import sign_in
from tests.factories import triaged
from tests.security.conftest import make_api
from tests.web_site import ANA, with_logins

# The htmx SSE extension's EventSource on #live, connected.
OPEN_STREAM = ("(document.getElementById('live')['htmx-internal-data'] || {})"
               ".sseEventSource?.readyState === 1")  # fmt: skip


@pytest.fixture
def site(redis_server, redis_client, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url):
        engine = make_engine(sqlite_url)
        with_logins(engine, ANA)
        store = Store(engine)
        store.save([triaged(1, tenant="a", author="lucia_g", text="mi maleta no llegó")])
        yield str(api.client.base_url).rstrip("/"), api, store
        engine.dispose()


def test_a_new_case_appears_in_the_open_inbox_without_a_reload(site, page: Page, shot) -> None:
    base, api, store = site
    sign_in(page, base, "ana@tienda.es")
    rows = page.locator("#cases tbody tr[data-row]")
    expect(rows).to_have_count(1)
    page.evaluate("window.__same_page = true")  # gone if the page reloads
    page.keyboard.press("j")
    expect(rows.first).to_have_class(re.compile(r"\bselected\b"))
    page.wait_for_function(OPEN_STREAM)
    store.save([triaged(2, tenant="a", author="pepe_b", text="URGENTE el pedido llegó roto")])
    listed = Cases(store.engine).listing("a", CaseFilter())
    case = next(c.id for c in listed if c.author == "pepe_b")
    events.publish(api.redis, "a", "case.opened", case_id=case)
    expect(rows).to_have_count(2)
    expect(page.locator(f'#cases tr[data-case="{case}"]')).to_contain_text("pepe_b")
    assert page.evaluate("window.__same_page === true")
    expect(page.locator("#cases tr[data-row].selected")).to_contain_text("lucia_g")  # kept
    shot(page, "inbox-live")
