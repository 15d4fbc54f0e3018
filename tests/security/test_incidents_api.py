"""Incidents and alert destinations over the API: each tenant sees, acknowledges and tests only
its own, secrets go in and never come out, and a test alert really arrives, signed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from escucha.core.access import Role
from escucha.core.sealed import new_key
from escucha.core.tenant import Tenant
from escucha.insight.alerts.destination import new_webhook_secret
from escucha.insight.alerts.standard_webhooks import verify
from escucha.insight.watch import Watch
from escucha.store.api_keys import ApiKeys
from escucha.store.incidents import Incidents
from escucha.store.queries import MentionFilter, find_mentions
from escucha.store.rollups import Rollups
from escucha.store.schema import IncidentRow
from escucha.store.store import Store
from tests.crisis_history import SEVERE, burst
from tests.platform_servers import PlatformServer, Reply
from tests.security.conftest import KEY_A, KEY_B, Api, make_api

SLACK_SECRET = "T0ESCUCHA/B0ALERTS/Xq7secretpartofthewebhookurl"
DOWN = f"/services/{SLACK_SECRET}"
AS_ANA = {"X-Escucha-Agent": "ana"}


@pytest.fixture
def api(redis_client, redis_server, sqlite_url) -> Iterator[Api]:
    # The receivers play public services on loopback, so this installation allows it.
    yield from make_api(redis_server.url, sqlite_url, secret_key=new_key(),
                        alert_internal_hosts=True)  # fmt: skip


@pytest.fixture
def receiver() -> Iterator[PlatformServer]:
    def down(seen):  # echoes the path, as some servers do: a careless error message would too
        return Reply(500, f"no route for {seen.path}")

    with PlatformServer({"/hook": lambda seen: Reply(204), DOWN: down}) as s:
        yield s


def open_incident(api: Api, tenant_id: str) -> str:
    """An incident of `tenant_id` opened by the watch, as a worker would."""
    store = Store.from_url(api.database_url)
    tenant = Tenant(id=tenant_id, timezone="Europe/Madrid", brands=["aerosol"])
    now = datetime.now(UTC)
    store.save(burst(tenant, now - timedelta(minutes=3), 1, 1, text=SEVERE))

    def mentions(t, since, until):
        return find_mentions(store, t, MentionFilter(since=since, until=until))

    watch = Watch(Rollups(store.engine), Incidents(store.engine), mentions, lambda *a: None)
    incident = watch.check(tenant, now).incident_id
    store.dispose()
    assert incident
    return incident


def test_each_tenant_sees_and_acknowledges_only_its_own_incidents(api):
    ours = open_incident(api, "a")
    listed = api.client.get("/v1/incidents", headers=KEY_A).json()["incidents"]
    assert [i["id"] for i in listed] == [ours] and listed[0]["trigger"] == "severity"
    assert api.client.get("/v1/incidents?status=closed", headers=KEY_A).json()["incidents"] == []
    assert api.client.get("/v1/incidents?status=nonsense", headers=KEY_A).status_code == 422
    one = api.client.get(f"/v1/incidents/{ours}", headers=KEY_A).json()
    assert one["explanation"]["headline"] and [e["change"] for e in one["thread"]] == ["opened"]
    # Tenant b cannot list, read or acknowledge it: to b it does not exist.
    assert api.client.get("/v1/incidents", headers=KEY_B).json()["incidents"] == []
    assert api.client.get(f"/v1/incidents/{ours}", headers=KEY_B).status_code == 404
    assert api.client.post(f"/v1/incidents/{ours}/ack", headers=KEY_B).status_code == 404
    assert incidents_of(api).get("a", ours).acknowledged_at is None
    taken = api.client.post(f"/v1/incidents/{ours}/ack", headers=KEY_A | AS_ANA)
    assert taken.status_code == 200
    assert taken.json()["acknowledged_by"] == "agent:ana" and taken.json()["acknowledged_now"]
    again = api.client.post(
        f"/v1/incidents/{ours}/ack", headers=KEY_A | {"X-Escucha-Agent": "luis"}
    )
    assert again.json()["acknowledged_by"] == "agent:ana" and not again.json()["acknowledged_now"]
    thread = api.client.get(f"/v1/incidents/{ours}", headers=KEY_A).json()["thread"]
    assert [e["change"] for e in thread] == ["opened", "acknowledged"]


def test_an_incident_that_closed_untaken_cannot_be_acknowledged(api):
    ours = open_incident(api, "a")
    engine = Store.from_url(api.database_url).engine
    with Session(engine) as session, session.begin():
        session.execute(update(IncidentRow).values(status="closed", closed_at=datetime.now(UTC)))
    refused = api.client.post(f"/v1/incidents/{ours}/ack", headers=KEY_A | AS_ANA)
    assert refused.status_code == 409 and "closed" in refused.text
    assert incidents_of(api).get("a", ours).acknowledged_at is None
    assert api.client.post("/v1/incidents/inc_nothing/ack", headers=KEY_A).status_code == 404


def test_a_key_does_with_incidents_and_destinations_only_what_its_role_allows(api, receiver):
    ours = open_incident(api, "a")
    engine = Store.from_url(api.database_url).engine
    reader, agent = ({"X-API-Key": ApiKeys(engine).create("a", role)[1]}
                     for role in (Role.read, Role.agent))  # fmt: skip
    slack = {"name": "ops", "settings": {"kind": "slack", "url": f"{receiver.url}/hook"}}
    made = api.client.post("/v1/alert-destinations", headers=KEY_A, json=slack).json()["id"]
    for key in (reader, agent):
        assert api.client.get("/v1/incidents", headers=key).status_code == 200
        assert api.client.get(f"/v1/incidents/{ours}", headers=key).status_code == 200
        assert api.client.get("/v1/alert-destinations", headers=key).status_code == 200
        other = slack | {"name": "mine"}
        assert api.client.post("/v1/alert-destinations", headers=key, json=other).status_code == 403
        assert (
            api.client.post(f"/v1/alert-destinations/{made}/test", headers=key).status_code == 403
        )
        assert api.client.delete(f"/v1/alert-destinations/{made}", headers=key).status_code == 403
    assert api.client.post(f"/v1/incidents/{ours}/ack", headers=reader).status_code == 403
    assert incidents_of(api).get("a", ours).acknowledged_at is None
    taken = api.client.post(f"/v1/incidents/{ours}/ack", headers=agent | AS_ANA)
    assert taken.status_code == 200 and taken.json()["acknowledged_by"] == "agent:ana"
    names = [d["name"] for d in api.client.get("/v1/alert-destinations", headers=KEY_A).json()[
        "destinations"]]  # fmt: skip
    assert names == ["ops"] and receiver.seen == []


def incidents_of(api: Api) -> Incidents:
    return Incidents(Store.from_url(api.database_url).engine)


def test_a_destination_keeps_its_secret_and_a_test_alert_arrives_signed(api, receiver):
    secret = new_webhook_secret()
    made = api.client.post("/v1/alert-destinations", headers=KEY_A, json={
        "name": "ops", "settings": {"kind": "webhook", "url": f"{receiver.url}/hook",
                                    "secret": secret}})  # fmt: skip
    assert made.status_code == 201, made.text
    assert secret not in made.text and made.json()["healthy"]
    listed = api.client.get("/v1/alert-destinations", headers=KEY_A)
    assert secret not in listed.text and [d["name"] for d in listed.json()["destinations"]] == [
        "ops"
    ]
    tried = api.client.post(f"/v1/alert-destinations/{made.json()['id']}/test", headers=KEY_A)
    assert tried.json()["status"] == "sent", tried.text
    [hit] = receiver.hits("/hook")
    verify(secret, hit.headers, hit.body, now=time.time())
    assert hit.json()["type"] == "alert.test"
    assert json.loads(hit.body)["data"]["tenant"] == "a"


def test_another_tenant_cannot_see_test_or_remove_a_destination(api, receiver):
    made = api.client.post("/v1/alert-destinations", headers=KEY_A, json={
        "name": "ops", "settings": {"kind": "slack", "url": f"{receiver.url}/hook"}})  # fmt: skip
    ref = made.json()["id"]
    assert api.client.get("/v1/alert-destinations", headers=KEY_B).json()["destinations"] == []
    assert api.client.post(f"/v1/alert-destinations/{ref}/test", headers=KEY_B).status_code == 404
    assert api.client.post("/v1/alert-destinations/ops/test", headers=KEY_B).status_code == 404
    assert api.client.delete(f"/v1/alert-destinations/{ref}", headers=KEY_B).status_code == 404
    assert receiver.seen == []
    # B may use the same name for its own.
    same = api.client.post("/v1/alert-destinations", headers=KEY_B, json={
        "name": "ops", "settings": {"kind": "slack", "url": f"{receiver.url}/hook"}})  # fmt: skip
    assert same.status_code == 201
    assert api.client.delete(f"/v1/alert-destinations/{ref}", headers=KEY_A).status_code == 204
    names = [d["name"] for d in api.client.get("/v1/alert-destinations", headers=KEY_B).json()[
        "destinations"]]  # fmt: skip
    assert names == ["ops"]


def test_bad_destinations_are_refused_with_the_reason(api, receiver):
    def add(body):
        return api.client.post("/v1/alert-destinations", headers=KEY_A, json=body)

    hook = {"kind": "webhook", "url": f"{receiver.url}/hook", "secret": "not-a-secret"}
    refused = add({"name": "ops", "settings": hook})
    assert refused.status_code == 422 and "secret" in refused.text
    assert "not-a-secret" not in refused.text
    ftp = add({"name": "ops", "settings": {"kind": "slack", "url": "ftp://example.com/x"}})
    assert ftp.status_code == 422 and "http" in ftp.text
    assert add({"name": "ops", "settings": {"kind": "pigeon"}}).status_code == 422
    assert add({"name": "Bad Name!", "settings": {"kind": "slack", "url": receiver.url}}
               ).status_code == 422  # fmt: skip
    slack = {"kind": "slack", "url": receiver.url}
    shaped_like_an_id = add({"name": "dst_0123", "settings": slack})
    assert shaped_like_an_id.status_code == 422 and "dst_" in shaped_like_an_id.text
    nameless = add({"settings": hook | {"secret": new_webhook_secret()}})
    assert nameless.status_code == 422 and "name" in nameless.text
    assert "whsec_" not in nameless.text  # the refused body is not echoed back
    ok = {"name": "ops", "settings": {"kind": "slack", "url": f"{receiver.url}/hook"}}
    assert add(ok).status_code == 201 and add(ok).status_code == 409


def test_a_failing_test_alert_says_why_and_the_destination_shows_it(api, receiver):
    made = api.client.post("/v1/alert-destinations", headers=KEY_A, json={
        "name": "down", "settings": {"kind": "slack", "url": f"{receiver.url}{DOWN}"}})  # fmt: skip
    assert SLACK_SECRET not in made.text
    tried = api.client.post(f"/v1/alert-destinations/{made.json()['id']}/test", headers=KEY_A)
    assert tried.json()["status"] == "pending" and "500" in tried.json()["error"]
    listed = api.client.get("/v1/alert-destinations", headers=KEY_A)
    [view] = listed.json()["destinations"]
    assert view["failures_in_a_row"] == 1 and "500" in view["last_error"]
    assert [h.path for h in receiver.seen] == [DOWN]  # the server did echo it
    # A Slack URL's path is its secret: not in the answer, the error or the listing.
    assert SLACK_SECRET not in tried.text and SLACK_SECRET not in listed.text


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://169.254.169.254/latest",
                                 "http://[::1]/x", "http://10.0.0.7/hook"])  # fmt: skip
def test_by_default_a_tenant_cannot_point_alerts_at_internal_services(redis_client, redis_server,
                                                                      sqlite_url, url):  # fmt: skip
    for guarded in make_api(redis_server.url, sqlite_url, secret_key=new_key()):
        refused = guarded.client.post("/v1/alert-destinations", headers=KEY_A, json={
            "name": "probe", "settings": {"kind": "slack", "url": url}})  # fmt: skip
        assert refused.status_code == 422 and "internal address" in refused.text
        assert "ESCUCHA_ALERT_INTERNAL_HOSTS" in refused.text
        listed = guarded.client.get("/v1/alert-destinations", headers=KEY_A).json()
        assert listed["destinations"] == []
