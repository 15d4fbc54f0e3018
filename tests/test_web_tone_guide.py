"""A tenant's own tone guide: an admin edits it on the settings page, the tenant store keeps it,
the case page's tone check follows it at once, bad values are refused with 422, only admins
with the form's CSRF token change it, only their tenant's; `[tenant.tone]` survives TOML."""

import html
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from escucha.care.tone import ToneGuide as ReExported
from escucha.cli.tenants import as_toml
from escucha.core.tenant import Tenant, load_tenant
from escucha.core.tone_guide import ToneGuide
from escucha.store.store import Store, make_engine
from escucha.store.tenants import Tenants
from tests.factories import triaged
from tests.security.conftest import make_api
from tests.web_site import ANA, BEA, Person, log_in, with_logins

LUCIA = "a:x:lucia_g"
CAREFUL = ("Hola lucia_g, sentimos mucho la espera. Hoy revisamos tu maleta y te escribimos antes "
           "de las 18:00.")  # fmt: skip
UNGREETED = ("Sentimos mucho la espera, lucia_g. Hoy revisamos tu caso y te escribimos antes de "
             "las 18:00.")  # fmt: skip


@pytest.fixture
def site(redis_server, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url):
        engine = make_engine(sqlite_url)
        alex = Person("a", "alex", "alex@tienda.es", "agent")
        with_logins(engine, replace(ANA, role="admin"), alex, replace(BEA, role="admin"))
        store = Store(engine)
        store.save([triaged(1, tenant="a", author="lucia_g", text="mi maleta no llegó, fatal",
                            created_at=datetime.now(UTC).isoformat())])  # fmt: skip
        yield api, engine
        engine.dispose()


def said(page: httpx.Response) -> str:
    """The error the page shows, unescaped."""
    found = re.search(r'class="error" role="alert">([^<]*)<', page.text)
    return html.unescape(found[1]) if found else ""


def tone_form(csrf: str, voice: str = "we", greeting: bool = True, use_name: bool = True,
              informal: str = "", banned: str = "") -> dict[str, str]:  # fmt: skip
    form = {"csrf": csrf, "tone.voice": voice, "tone.informal_words": informal,
            "tone.banned_words": banned}  # fmt: skip
    return form | ({"tone.greeting": "on"} if greeting else {}) | (
        {"tone.use_name": "on"} if use_name else {})  # fmt: skip


def rules(client: httpx.Client, csrf: str, text: str) -> set[str]:
    """The rules the case page's tone check finds in a reply to Lucía."""
    checked = client.post(f"/cases/{LUCIA}/tone", data={"text": text},
                          headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert checked.status_code == 200, checked.text
    return set(re.findall(r'<li data-rule="([a-z_]+)"', checked.text))


def test_an_admins_tone_guide_is_stored_and_the_case_pages_tone_check_follows_it(site):
    api, engine = site
    csrf = log_in(api.client, "ana@tienda.es")
    assert rules(api.client, csrf, CAREFUL) == set()
    assert rules(api.client, csrf, UNGREETED) == {"no_greeting"}
    assert "Guía de tono" in api.client.get("/settings").text
    form = tone_form(csrf, greeting=False, informal="chao", banned="maleta, equipaje\nbarato")
    saved = api.client.post("/settings/tone", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("#tone")
    guide = Tenants(engine).get("a").tone
    assert guide == ToneGuide(greeting=False, informal_words=("chao",),
                              banned_words=("maleta", "equipaje", "barato"))  # fmt: skip
    assert rules(api.client, csrf, CAREFUL) == {"profanity"}  # a word the tenant forbids
    assert rules(api.client, csrf, UNGREETED) == set()  # a rule turned off no longer fires
    assert "informal" in rules(api.client, csrf, CAREFUL.replace("18:00.", "18:00. Chao"))
    shown = api.client.get("/settings").text
    section = shown[shown.index('id="tone"') : shown.index('id="agents"')]
    assert "maleta\nequipaje\nbarato</textarea>" in section
    assert 'id="tone-greeting" name="tone.greeting" value="on">' in section  # unticked
    assert 'id="tone-use-name" name="tone.use_name" value="on" checked>' in section
    assert Tenants(engine).get("b").tone == ToneGuide()  # another tenant's is untouched


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("tone.voice", "tu", "tone guide, voice: Input should be 'we' or 'i'"),
        ("tone.banned_words", "!!!", "tone guide, banned_words: '!!!' is not a word"),
        ("tone.informal_words", "x" * 41, "tone guide, informal_words: 'xxxx"),
    ],
)
def test_a_bad_tone_guide_is_refused_on_the_page_saying_what_and_why(site, field, value,
                                                                     reason):  # fmt: skip
    api, engine = site
    csrf = log_in(api.client, "ana@tienda.es")
    before = Tenants(engine).get("a")
    refused = api.client.post("/settings/tone", data=tone_form(csrf) | {field: value})
    assert refused.status_code == 422
    assert said(refused).startswith(reason), said(refused)
    assert html.escape(value) in refused.text  # as entered
    assert Tenants(engine).get("a") == before


def test_only_an_admin_with_the_forms_csrf_token_changes_the_tone_guide(site):
    api, engine = site
    client = api.client
    before = Tenants(engine).get("a")
    csrf = log_in(client, "alex@tienda.es")
    assert client.post("/settings/tone", data=tone_form(csrf, voice="i")).status_code == 403
    csrf = log_in(client, "ana@tienda.es")
    form = tone_form(csrf, voice="i")
    assert client.post("/settings/tone", data=form | {"csrf": ""}).status_code == 403
    assert client.post("/settings/tone", data=form | {"csrf": "guessed"}).status_code == 403
    assert Tenants(engine).get("a") == before


def test_each_admin_changes_only_their_own_tenants_guide(site):
    api, engine = site
    with httpx.Client(base_url=str(api.client.base_url), timeout=30) as b:
        csrf_a, csrf_b = log_in(api.client, "ana@tienda.es"), log_in(b, "bea@otra.es")
        api.client.post("/settings/tone", data=tone_form(csrf_a, banned="maleta"))
        b.post("/settings/tone", data=tone_form(csrf_b, voice="i", use_name=False))
        assert b.post("/settings/tone", data=tone_form(csrf_a)).status_code == 403
    assert Tenants(engine).get("a").tone == ToneGuide(banned_words=("maleta",))
    assert Tenants(engine).get("b").tone == ToneGuide(voice="i", use_name=False)


def test_the_tenant_toml_round_trip_keeps_its_tone_guide(tmp_path: Path):
    assert ReExported is ToneGuide  # `from escucha.care.tone import ToneGuide` still works
    written = tmp_path / "tienda.toml"
    written.write_text('[tenant]\nid = "tienda"\n\n[tenant.tone]\nvoice = "i"\ngreeting = false\n'
                       'banned_words = ["barato", " barato ", "chollo"]\n')  # fmt: skip
    tenant = load_tenant(written)
    assert tenant.tone == ToneGuide(voice="i", greeting=False, banned_words=("barato", "chollo"))
    exported = as_toml(tenant)
    assert "[tenant.tone]" in exported
    again = tmp_path / "again.toml"
    again.write_text(exported)
    assert load_tenant(again) == tenant
    assert load_tenant(again).tone != Tenant().tone
