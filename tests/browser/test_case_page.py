"""The case page in Chromium: tone findings appear while the agent types, go when the reply is
fixed, and the reply sent shows in the conversation as queued; keyboard shortcuts reach the
reply box."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from escucha.core.sealed import Sealer, new_key
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.outbox import Outbox
from escucha.store.store import Store, make_engine
from tests.browser.conftest import sign_in
from tests.factories import triaged
from tests.security.conftest import make_api
from tests.web_site import ANA, with_logins

CASE = "a:x:lucia_g"
CAREFUL = ("Hola lucia_g, sentimos mucho la espera. Hoy revisamos tu maleta y te escribimos antes "
           "de las 18:00.")  # fmt: skip


@pytest.fixture
def site(redis_server, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url):
        engine = make_engine(sqlite_url)
        with_logins(engine, ANA)
        store = Store(engine)
        store.save([triaged(1, tenant="a", author="lucia_g", text="mi maleta no llegó, fatal",
                            created_at=datetime.now(UTC).isoformat())])  # fmt: skip
        ChannelCredentials(engine, Sealer([new_key()])).connect("a", "x", "777", "token")
        yield str(api.client.base_url).rstrip("/"), engine
        engine.dispose()


def test_tone_findings_appear_while_typing_and_the_fixed_reply_is_queued(site, page: Page,
                                                                         shot) -> None:  # fmt: skip
    base, engine = site
    sign_in(page, base, "ana@tienda.es")
    page.goto(f"{base}/cases/{CASE}")
    expect(page.locator("#conversation")).to_contain_text("mi maleta no llegó")
    page.keyboard.press("r")  # the reply shortcut
    expect(page.locator("#reply-text")).to_be_focused()
    page.keyboard.type("hola tío, ya lo miramos jaja")
    findings = page.locator("#tone-findings li")
    expect(page.locator('#tone-findings li[data-rule="informal"]')).to_be_visible()
    shot(page, "findings")
    page.get_by_label("Tu respuesta").fill(CAREFUL)
    expect(findings).to_have_count(0)
    expect(page.locator("#tone-findings")).to_contain_text("El tono está bien.")
    page.locator("#send-reply").click()
    expect(page).to_have_url(re.compile(r"/cases/a(:|%3A)x(:|%3A)lucia_g$"))
    expect(page.locator('#conversation [data-delivery="queued"]')).to_contain_text(CAREFUL)
    shot(page, "queued")
    assert [r.text for r in Outbox(engine).of_case("a", CASE)] == [CAREFUL]
