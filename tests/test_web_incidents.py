"""The web incidents pages over a real socket: the list and an incident's explanation, thread
and delivery log, acknowledging with CSRF as the agent, and nothing of another tenant's."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from escucha.core.sealed import Sealer, new_key
from escucha.core.tenant import Tenant
from escucha.insight.alerting import Alerting
from escucha.insight.alerts.destination import parse_destination
from escucha.insight.watch import Watch
from escucha.store.alert_outbox import AlertOutbox
from escucha.store.incidents import Incidents
from escucha.store.queries import MentionFilter, find_mentions
from escucha.store.rollups import Rollups
from escucha.store.schema import IncidentRow
from escucha.store.store import Store, make_engine
from escucha.store.tenants import Tenants
from tests.crisis_history import SEVERE, burst
from tests.security.conftest import make_api
from tests.web_site import ANA, BEA, log_in, with_logins

KEY = new_key()


@pytest.fixture
def site(redis_server, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url, secret_key=KEY, alert_internal_hosts=True):
        engine = make_engine(sqlite_url)
        with_logins(engine, ANA, BEA)
        yield api, engine
        engine.dispose()


def open_incident(engine, tenant_id: str) -> str:
    """An incident of `tenant_id` opened by the watch, as a worker would."""
    store = Store(engine)
    tenant = Tenant(id=tenant_id, timezone="Europe/Madrid", brands=["aerosol"])
    now = datetime.now(UTC)
    store.save(burst(tenant, now - timedelta(minutes=3), 1, 1 if tenant_id == "a" else 50,
                     text=SEVERE))  # fmt: skip

    def mentions(t, since, until):
        return find_mentions(store, t, MentionFilter(since=since, until=until))

    watch = Watch(Rollups(engine), Incidents(engine), mentions, lambda *a: None)
    incident = watch.check(tenant, now).incident_id
    assert incident
    return incident


def alert_it(engine) -> str:
    """A Slack destination for tenant a, the incident fanned out to it, and that alert sent."""
    alerting = Alerting(AlertOutbox(engine), Incidents(engine), Sealer([KEY]),
                        lambda t: Tenants(engine).get(t), "https://escucha.example",
                        internal_hosts=True)  # fmt: skip
    now = datetime.now(UTC)
    hook = parse_destination({"kind": "slack", "url": "https://hooks.example/services/x"})
    alerting.add_destination("a", "guardia", hook, [], now)
    [key] = alerting.fan_out(now)
    claimed = alerting.outbox.claim(key, now)
    alerting.outbox.sent(claimed, "slack-ok-1234", now)
    return key


def section(html: str, name: str) -> str:
    return re.search(rf'id="{name}"(.*?)</(table|section)>', html, re.DOTALL)[1]


def test_the_list_and_an_incident_show_its_explanation_and_its_delivery_log(site):
    api, engine = site
    ours = open_incident(engine, "a")
    theirs = open_incident(engine, "b")
    alert_it(engine)
    log_in(api.client, "ana@tienda.es")
    listed = api.client.get("/incidents").text
    assert f'href="/incidents/{ours}"' in listed and theirs not in listed
    row = Incidents(engine).get("a", ours)
    headline = row.explanation["headline"]
    assert headline and headline in listed
    one = api.client.get(f"/incidents/{ours}")
    assert one.status_code == 200
    html = one.text
    assert f'<p class="headline">{headline}</p>' in html
    signals = section(html, "signals")
    assert row.explanation["signals"][0]["text"] in signals
    assert "estafa" in html  # a sample mention, to read first
    assert row.explanation["actions"][0] in html
    log = section(html, "deliveries")
    assert "guardia" in log and "enviada" in log and "slack-ok-1234" in log
    assert "hooks.example" not in html  # the destination's address is its secret
    assert "abierto" in section(html, "thread")
    assert 'aria-current="page">Incidentes' in html


def test_the_list_filters_by_status(site):
    api, engine = site
    ours = open_incident(engine, "a")
    log_in(api.client, "ana@tienda.es")
    assert ours in api.client.get("/incidents?status=open").text
    closed = api.client.get("/incidents?status=closed").text
    assert ours not in closed and "No hay incidentes." in closed


def test_an_agent_acknowledges_with_the_forms_token_and_is_recorded(site):
    api, engine = site
    ours = open_incident(engine, "a")
    csrf = log_in(api.client, "ana@tienda.es")
    page = api.client.get(f"/incidents/{ours}").text
    assert f'action="/incidents/{ours}/acknowledge"' in page and "Reconocer: lo llevo yo" in page
    refused = api.client.post(f"/incidents/{ours}/acknowledge", data={})
    assert refused.status_code == 403
    forged = api.client.post(f"/incidents/{ours}/acknowledge", data={"csrf": "guessed"})
    assert forged.status_code == 403
    assert Incidents(engine).get("a", ours).acknowledged_at is None
    taken = api.client.post(f"/incidents/{ours}/acknowledge", data={"csrf": csrf},
                            follow_redirects=False)  # fmt: skip
    assert taken.status_code == 303 and taken.headers["location"] == f"/incidents/{ours}"
    row = Incidents(engine).get("a", ours)
    assert row.acknowledged_by == "agent:ana" and row.acknowledged_at is not None
    after = api.client.get(f"/incidents/{ours}").text
    assert "Reconocido por Ana" in after and "/acknowledge" not in after
    assert "reconocido" in section(after, "thread")
    # Taking it again changes nothing: the first agent keeps it.
    again = api.client.post(f"/incidents/{ours}/acknowledge", data={"csrf": csrf})
    assert again.status_code == 303
    thread = Incidents(engine).thread("a", ours)
    assert [e.change for e in thread] == ["opened", "acknowledged"]


def test_htmx_may_send_the_token_as_a_header(site):
    api, engine = site
    ours = open_incident(engine, "a")
    csrf = log_in(api.client, "ana@tienda.es")
    taken = api.client.post(f"/incidents/{ours}/acknowledge", headers={"X-CSRF-Token": csrf},
                            follow_redirects=False)  # fmt: skip
    assert taken.status_code == 303
    assert Incidents(engine).get("a", ours).acknowledged_by == "agent:ana"


def test_another_tenants_incident_is_not_there(site):
    api, engine = site
    theirs = open_incident(engine, "b")
    csrf = log_in(api.client, "ana@tienda.es")
    assert api.client.get(f"/incidents/{theirs}").status_code == 404
    taken = api.client.post(f"/incidents/{theirs}/acknowledge", data={"csrf": csrf})
    assert taken.status_code == 404
    assert api.client.post("/incidents/inc_nothing/acknowledge",
                           data={"csrf": csrf}).status_code == 404  # fmt: skip
    assert Incidents(engine).get("b", theirs).acknowledged_at is None


def test_an_incident_that_closed_untaken_says_so_and_stays_untaken(site):
    api, engine = site
    ours = open_incident(engine, "a")
    csrf = log_in(api.client, "ana@tienda.es")
    with Session(engine) as session, session.begin():
        session.execute(update(IncidentRow).values(status="closed", closed_at=datetime.now(UTC)))
    page = api.client.get(f"/incidents/{ours}").text
    assert "/acknowledge" not in page and "Se cerró antes de que nadie lo asumiera." in page
    refused = api.client.post(f"/incidents/{ours}/acknowledge", data={"csrf": csrf})
    assert refused.status_code == 409 and 'role="alert"' in refused.text
    assert Incidents(engine).get("a", ours).acknowledged_at is None
