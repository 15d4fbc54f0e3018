"""The settings pages over a real socket: only an admin of the tenant sees or changes them, every
form needs its CSRF token, edits land in the stores, bad values are refused on the page with
422, and secrets (channel tokens, destination secrets, API keys once shown) never come back."""

import html
import re
from dataclasses import replace

import httpx
import pytest

from escucha.core.sealed import Sealer, new_key
from escucha.core.sla_policy import Target
from escucha.store.agents import Agents
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.store import make_engine
from escucha.store.tenants import Tenants
from escucha.store.web_logins import Logins
from tests.security.conftest import make_api
from tests.web_site import ANA, BEA, PASSWORD, Person, log_in, with_logins

TOKEN = "EAAB-secret-page-token-123456"


@pytest.fixture
def site(redis_server, sqlite_url):
    # A key cache of 0 s: a revoked key is refused at once, so the test need not wait.
    for api in make_api(redis_server.url, sqlite_url, api_key_cache_s=0):
        engine = make_engine(sqlite_url)
        alex = Person("a", "alex", "alex@tienda.es", "agent")
        with_logins(engine, replace(ANA, role="admin"), alex, replace(BEA, role="admin"))
        yield api, engine
        engine.dispose()


def said(page: httpx.Response) -> str:
    """The error the page shows, unescaped."""
    found = re.search(r'class="error" role="alert">([^<]*)<', page.text)
    return html.unescape(found[1]) if found else ""


def hours_form(csrf: str, **days: str) -> dict[str, str]:
    form = {"csrf": csrf, "timezone": "Europe/Madrid", "holidays": "ES-MD", "closed_dates": ""}
    return form | {f"hours.{day}": days.get(day, "") for day in DAYS}


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def test_an_admin_changes_the_business_hours_and_the_tenant_store_has_them(site):
    api, engine = site
    csrf = log_in(api.client, "ana@tienda.es")
    page = api.client.get("/settings")
    assert page.status_code == 200 and "Horario y festivos" in page.text
    form = hours_form(csrf, mon="09:00-14:00,16:30-19:30", fri="09:00-15:00")
    form["closed_dates"] = "2030-08-14"
    saved = api.client.post("/settings/hours", data=form, follow_redirects=False)
    assert saved.status_code == 303
    tenant = Tenants(engine).get("a")
    assert str(tenant.hours) == "mon 09:00-14:00,16:30-19:30; fri 09:00-15:00"
    assert (tenant.timezone, tenant.holidays) == ("Europe/Madrid", "ES-MD")
    assert [str(d) for d in tenant.closed_dates] == ["2030-08-14"]
    assert Tenants(engine).get("b").timezone == "UTC"  # the other tenant is untouched
    shown = api.client.get("/settings").text
    assert 'value="09:00-14:00,16:30-19:30"' in shown


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("hours.tue", "09:00-25:00", "25:00 is not a time of day"),
        ("hours.wed", "10:00-12:00,11:00-13:00", "overlaps"),
        ("timezone", "Europe/Madird", "is not an IANA time zone"),
        ("holidays", "ES-XX", "ES's regions are"),
        ("closed_dates", "2030-02-31", "closed_dates"),
    ],
)
def test_a_bad_value_is_refused_on_the_page_saying_what_and_why(site, field, value, reason):
    api, engine = site
    csrf = log_in(api.client, "ana@tienda.es")
    before = Tenants(engine).get("a")
    refused = api.client.post("/settings/hours", data=hours_form(csrf) | {field: value})
    assert refused.status_code == 422
    assert said(refused).startswith("business hours") and reason in said(refused)
    assert f'value="{value}"' in refused.text or value in refused.text  # as entered
    assert Tenants(engine).get("a") == before


def test_an_admin_changes_an_sla_target_and_the_policy_takes_a_new_version(site):
    api, engine = site
    csrf = log_in(api.client, "ana@tienda.es")
    before = Tenants(engine).get("a").sla
    form = {"csrf": csrf}
    for n, policy in enumerate(before):
        for target, spec in policy.targets.items():
            form[f"sla.{n}.{target.value}.minutes"] = str(spec.minutes)
            form[f"sla.{n}.{target.value}.clock"] = spec.clock.value
    form["sla.0.first_response.minutes"] = "30"
    assert api.client.post("/settings/sla", data=form, follow_redirects=False).status_code == 303
    after = Tenants(engine).get("a").sla
    assert after[0].targets[Target.first_response].minutes == 30
    assert after[0].version == before[0].version + 1 and after[1] == before[1]
    form["sla.0.first_response.minutes"] = "0"
    refused = api.client.post("/settings/sla", data=form)
    assert refused.status_code == 422
    assert said(refused) == (
        "SLA policy 'urgent', targets.first_response.minutes: "
        "Input should be greater than or equal to 1"
    ), said(refused)
    assert Tenants(engine).get("a").sla == after


def test_nobody_but_an_admin_sees_or_posts_settings(site):
    api, engine = site
    client = api.client
    assert client.get("/settings", follow_redirects=False).headers["location"] == "/login"
    csrf = log_in(client, "alex@tienda.es")
    assert "/settings" not in client.get("/inbox").text  # the nav hides it, and the page:
    assert client.get("/settings").status_code == 403
    before = Tenants(engine).get("a")
    posted = client.post("/settings/hours", data=hours_form(csrf, mon="09:00-10:00"))
    assert posted.status_code == 403
    assert client.post("/settings/keys", data={"csrf": csrf, "role": "admin"}).status_code == 403
    assert Tenants(engine).get("a") == before
    assert api.client.get("/v1/cases", headers={"X-API-Key": "key-a"}).status_code == 200


def test_every_settings_form_without_its_csrf_token_is_refused(site):
    api, engine = site
    log_in(api.client, "ana@tienda.es")
    before = Tenants(engine).get("a")
    for path in ("/settings/hours", "/settings/sla", "/settings/keys", "/settings/invites",
                 "/settings/destinations", "/settings/agents/alex",
                 "/settings/agents/alex/deactivate"):  # fmt: skip
        assert api.client.post(path, data={"role": "admin"}).status_code == 403, path
        forged = api.client.post(path, data={"csrf": "guessed", "role": "admin"})
        assert forged.status_code == 403, path
    assert Tenants(engine).get("a") == before
    assert Logins(engine).with_email("alex@tienda.es")[0].password_hash is not None


def test_an_api_key_is_shown_once_works_and_stops_working_when_revoked(site):
    api, _ = site
    csrf = log_in(api.client, "ana@tienda.es")
    made = api.client.post("/settings/keys", data={"csrf": csrf, "name": "zapier",
                                                   "role": "read"})  # fmt: skip
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    key = re.search(r'<code id="new-key">([^<]+)</code>', made.text)[1]
    key_id = re.search(r"Clave nueva (\S+)\.", made.text)[1]
    assert key not in api.client.get("/settings").text  # shown once
    cases = api.client.get("/v1/cases", headers={"X-API-Key": key})
    assert cases.status_code == 200
    assert api.client.post("/v1/agents", headers={"X-API-Key": key}, json={}).status_code == 403
    revoked = api.client.post(f"/settings/keys/{key_id}/revoke", data={"csrf": csrf},
                              follow_redirects=False)  # fmt: skip
    assert revoked.status_code == 303
    assert api.client.get("/v1/cases", headers={"X-API-Key": key}).status_code == 403


def test_an_admin_never_reads_or_changes_another_tenants_settings(site):
    api, engine = site
    a = httpx.Client(base_url=str(api.client.base_url))
    b = httpx.Client(base_url=str(api.client.base_url))
    csrf_a, csrf_b = log_in(a, "ana@tienda.es"), log_in(b, "bea@otra.es")
    made = b.post("/settings/keys", data={"csrf": csrf_b, "name": "bs-key", "role": "read"})
    b_key = re.search(r'<code id="new-key">([^<]+)</code>', made.text)[1]
    b_key_id = re.search(r"Clave nueva (\S+)\.", made.text)[1]
    page_a = a.get("/settings").text
    assert "bs-key" not in page_a and "bea@otra.es" not in page_a and "Alex" in page_a
    assert "Alex" not in b.get("/settings").text
    assert a.post(f"/settings/keys/{b_key_id}/revoke", data={"csrf": csrf_a}).status_code == 404
    assert api.client.get("/v1/cases", headers={"X-API-Key": b_key}).status_code == 200
    assert a.post("/settings/agents/bea", data={"csrf": csrf_a, "role": "read"}).status_code == 404
    gone = a.post("/settings/agents/bea/deactivate", data={"csrf": csrf_a})
    assert gone.status_code == 404
    assert b.get("/settings").status_code == 200  # bea is still an admin with a login
    a.post("/settings/hours", data=hours_form(csrf_a, mon="09:00-10:00"))
    assert str(Tenants(engine).get("b").hours) == "24/7"
    # A session's CSRF token is its own: a's token does not pass b's forms.
    assert b.post("/settings/hours", data=hours_form(csrf_a)).status_code == 403
    a.close()
    b.close()


def test_an_agents_role_and_shift_change_and_a_deactivated_agent_cannot_log_in(site):
    api, engine = site
    csrf = log_in(api.client, "ana@tienda.es")
    changed = api.client.post("/settings/agents/alex", follow_redirects=False,
                              data={"csrf": csrf, "role": "read",
                                    "shift": "mon-fri 08:00-15:00"})  # fmt: skip
    assert changed.status_code == 303
    assert Agents(engine).get("a", "alex").shift == "mon-fri 08:00-15:00"
    assert "read" in api.client.get("/settings").text
    bad = api.client.post("/settings/agents/alex", data={"csrf": csrf, "role": "read",
                                                         "shift": "lun 9-5"})  # fmt: skip
    assert bad.status_code == 422 and "agent alex, shift" in bad.text
    myself = api.client.post("/settings/agents/ana", data={"csrf": csrf, "role": "agent"})
    assert myself.status_code == 422 and "your own admin role" in myself.text
    off = api.client.post("/settings/agents/alex/deactivate", data={"csrf": csrf},
                          follow_redirects=False)  # fmt: skip
    assert off.status_code == 303
    other = httpx.Client(base_url=str(api.client.base_url))
    form = other.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)[1]
    refused = other.post("/login", data={"email": "alex@tienda.es", "password": PASSWORD,
                                         "csrf": token})  # fmt: skip
    assert refused.status_code == 401
    other.close()


def test_a_channel_token_never_appears_in_the_page(site):
    api, engine = site
    ChannelCredentials(engine, Sealer([new_key()])).connect("a", "facebook", "1234567890", TOKEN)
    log_in(api.client, "ana@tienda.es")
    page = api.client.get("/settings").text
    assert "meta:1234567890" in page and TOKEN not in page and "EAAB" not in page


def test_an_alert_destination_is_added_without_its_secret_shown_and_removed(site):
    api, _ = site
    csrf = log_in(api.client, "ana@tienda.es")
    secret = "whsec_" + "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    form = {"csrf": csrf, "name": "ops-hook", "kind": "webhook",
            "webhook.url": "https://hooks.example.com/escucha", "webhook.secret": secret,
            "events": ["incident", "sla.breached"]}  # fmt: skip
    added = api.client.post("/settings/destinations", data=form, follow_redirects=False)
    assert added.status_code == 303, added.text
    page = api.client.get("/settings").text
    assert "ops-hook" in page and "hooks.example.com" in page and secret not in page
    bad = api.client.post(
        "/settings/destinations", data=form | {"name": "other", "webhook.secret": "nope"}
    )
    assert bad.status_code == 422 and "whsec_" in bad.text and "nope" not in bad.text
    taken = api.client.post("/settings/destinations", data=form)
    assert taken.status_code == 422 and "already has a destination" in taken.text
    ref = re.search(r'action="/settings/destinations/(dst_[0-9a-f]+)/remove"', page)[1]
    removed = api.client.post(f"/settings/destinations/{ref}/remove", data={"csrf": csrf},
                              follow_redirects=False)  # fmt: skip
    assert removed.status_code == 303 and "ops-hook" not in api.client.get("/settings").text
