"""HubSpot's deal-won webhook over a real socket: a valid v3 signature counts a conversion once,
a forged, stale or unsigned one is refused, and a portal no tenant owns counts for no one."""

import json
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from escucha.channels.signatures import hubspot_v3
from escucha.store.schema import ConversionRow
from escucha.store.store import make_engine
from tests.security.conftest import ACCOUNTS, make_api

SECRET = "hubspot-client-secret"


@pytest.fixture
def api(redis_server, sqlite_url):
    accounts = ACCOUNTS | {"hubspot:4242": "a", "hubspot:777": "b"}
    yield from make_api(redis_server.url, sqlite_url, accounts, hubspot_client_secret=SECRET)


def deal_won(event_id=1, portal=4242, deal=9001):
    return [
        {"eventId": event_id, "subscriptionId": 55, "portalId": portal, "occurredAt": 1764583200000,
         "subscriptionType": "deal.propertyChange", "attemptNumber": 0, "objectId": deal,
         "propertyName": "dealstage", "propertyValue": "closedwon", "changeSource": "CRM_UI"},
        {"eventId": event_id + 1000, "subscriptionId": 56, "portalId": portal,
         "occurredAt": 1764583200000, "subscriptionType": "contact.creation", "objectId": 12},
    ]  # fmt: skip


def post(api, payload, secret=SECRET, age_ms=0, signed=True):
    body = json.dumps(payload).encode()
    url = f"{api.client.base_url}/webhooks/hubspot".replace("//webhooks", "/webhooks")
    timestamp = str(int(time.time() * 1000) - age_ms)
    headers = {"Content-Type": "application/json", "X-HubSpot-Request-Timestamp": timestamp}
    if signed:
        headers["X-HubSpot-Signature-v3"] = hubspot_v3(secret, "POST", url, body, timestamp)
    return api.client.post("/webhooks/hubspot", content=body, headers=headers)


def conversions(api):
    engine = make_engine(api.database_url)
    with Session(engine) as session:
        found = [(c.tenant, c.deal_id) for c in session.scalars(select(ConversionRow))]
    engine.dispose()
    return found


def test_a_signed_deal_won_counts_one_conversion_even_when_delivered_twice(api):
    first = post(api, deal_won())
    assert first.status_code == 200, first.text
    assert first.json() == {"conversions": 1, "duplicates": 0}
    again = post(api, deal_won())  # HubSpot retries deliveries
    assert again.json() == {"conversions": 0, "duplicates": 1}
    assert conversions(api) == [("a", "9001")]


def test_a_forged_stale_or_unsigned_delivery_is_refused_and_counts_nothing(api):
    assert post(api, deal_won(), secret="guessed").status_code == 403
    assert post(api, deal_won(), age_ms=10 * 60 * 1000).status_code == 403  # a replay
    assert post(api, deal_won(), signed=False).status_code == 401
    assert conversions(api) == []


def test_each_portal_counts_for_its_own_tenant_and_an_unknown_one_for_none(api):
    post(api, deal_won(event_id=1, portal=777, deal=5))
    post(api, deal_won(event_id=2, portal=31337, deal=6))
    assert conversions(api) == [("b", "5")]
