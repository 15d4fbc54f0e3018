"""Logging in to the web inbox in Chromium: the login page, a wrong password, the inbox."""

import re

import pytest
from playwright.sync_api import Page, expect

from escucha.store.store import Store, make_engine
from tests.factories import triaged
from tests.security.conftest import make_api
from tests.web_site import ANA, PASSWORD, with_logins


@pytest.fixture
def site(redis_server, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url):
        engine = make_engine(sqlite_url)
        with_logins(engine, ANA)
        store = Store(engine)
        store.save([triaged(1, tenant="a", author="lucia_g", text="mi maleta no llegó")])
        yield str(api.client.base_url).rstrip("/")
        engine.dispose()


def test_an_agent_logs_in_and_sees_the_inbox_in_spanish(site: str, page: Page, shot) -> None:
    page.goto(f"{site}/")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="Entrar")).to_be_visible()
    page.get_by_label("Correo").fill("ana@tienda.es")
    page.get_by_label("Contraseña").fill("no-es-esta")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("alert")).to_have_text("Correo o contraseña incorrectos.")
    page.get_by_label("Correo").fill("ana@tienda.es")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.get_by_role("heading", name="Bandeja")).to_be_visible()
    expect(page.locator("#cases tbody tr")).to_have_count(1)
    expect(page.locator("#cases")).to_contain_text("lucia_g")
    # The session cookie is out of scripts' reach.
    assert page.evaluate("document.cookie").find("escucha_session") == -1
    shot(page, "inbox")
