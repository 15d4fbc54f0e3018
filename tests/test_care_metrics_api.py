"""`GET /v1/metrics/care` over a real socket: a bot's reply left out, tenants held apart."""

from datetime import datetime, timedelta

import pytest
import time_machine

from escucha.core.models import as_utc
from escucha.store.contacts import Contacts
from escucha.store.outbox import Outbox
from escucha.store.store import Store
from tests.care_api import complaint_api
from tests.factories import triaged
from tests.security.conftest import KEY_A, KEY_B

CAREFUL = "Hola lucia_g, sentimos mucho la espera. Hoy revisamos tu maleta y te escribimos."


@pytest.fixture
def api(redis_server, sqlite_url, tmp_path):
    text = "@aerosol mi maleta no llegó y nadie contesta, es la tercera vez"
    yield from complaint_api(redis_server.url, sqlite_url, tmp_path / "data", text)


def wrote_at(database_url: str) -> datetime:
    store = Store.from_url(database_url)
    try:
        return as_utc(store.get("a:x:1").created_at)
    finally:
        store.dispose()


def send(outbox: Outbox, key: str, at: datetime) -> None:
    claimed = outbox.claim(key, at)
    assert claimed is not None
    outbox.sent(claimed, f"id-{key}", at)


def test_care_figures_leave_the_bot_out_and_show_one_tenant_only(api):
    client, case, reader, engine = api[0].client, api[1], api[2], api[3]
    wrote = wrote_at(api[0].database_url)
    with time_machine.travel(wrote + timedelta(seconds=30), tick=False):
        bot = client.post(f"/v1/cases/{case}/replies",
                          json={"text": CAREFUL, "automated": True},
                          headers=KEY_A | {"Idempotency-Key": "bot-1"})  # fmt: skip
    with time_machine.travel(wrote + timedelta(minutes=25), tick=False):
        person = client.post(f"/v1/cases/{case}/replies", json={"text": CAREFUL},
                             headers=KEY_A | {"Idempotency-Key": "agent-1"})  # fmt: skip
    assert bot.status_code == 202 and bot.json()["author"] == "automation"
    assert person.status_code == 202 and person.json()["author"] == "agent"
    outbox = Outbox(engine)
    send(outbox, "bot-1", wrote + timedelta(seconds=30))
    send(outbox, "agent-1", wrote + timedelta(minutes=25))

    since, until = (wrote - timedelta(days=1)).isoformat(), (wrote + timedelta(days=1)).isoformat()
    query = {"since": since, "until": until}
    mine = client.get("/v1/metrics/care", params=query, headers=reader)
    assert mine.status_code == 200, mine.text
    figures = mine.json()
    assert (figures["cases"], figures["cycles"]) == (1, 1)
    assert figures["response_rate"] == {"hits": 1, "over": 1, "cases": 1, "value": 1.0}
    assert figures["first_response"]["median_minutes"] == 25  # the person's, not the bot's
    assert figures["automated_replies_excluded"] == 1
    theirs = client.get("/v1/metrics/care", params=query, headers=KEY_B).json()
    assert theirs["cases"] == 0 and theirs["response_rate"]["over"] == 0


def test_a_period_that_cannot_be_read_is_refused_with_why(api):
    client = api[0].client
    bad = client.get("/v1/metrics/care", params={"since": "last tuesday"}, headers=KEY_A)
    assert bad.status_code == 422 and "ISO" in bad.text
    backwards = client.get("/v1/metrics/care", params={"since": "2026-11-02",
                           "until": "2026-11-01"}, headers=KEY_A)  # fmt: skip
    assert backwards.status_code == 422
    assert client.get("/v1/metrics/care").status_code == 401


def test_contacts_are_merged_read_and_kept_to_their_tenant(api):
    client = api[0].client
    lucia = client.post("/v1/contacts", json={"kind": "x", "value": "@Lucia_G", "name": "Lucía"},
                        headers=KEY_A).json()  # fmt: skip
    on_ig = client.post("/v1/contacts", json={"kind": "instagram", "value": "lucia.ig",
                                              "name": "Lucía"}, headers=KEY_A).json()  # fmt: skip
    merged = client.post(f"/v1/contacts/{on_ig['id']}/merge", json={"into": lucia["id"]},
                         headers=KEY_A | {"X-Escucha-Agent": "ana"})  # fmt: skip
    assert merged.status_code == 200 and set(merged.json()["members"]) == {lucia["id"], on_ig["id"]}
    read = client.get(f"/v1/contacts/{on_ig['id']}", headers=KEY_A).json()
    assert read["id"] == lucia["id"]
    assert [p["id"] for p in read["timeline"]] == ["a:x:1"]  # her complaint, through her X handle
    assert read["log"][0]["kind"] == "merged" and read["log"][0]["actor"] == "agent:ana"
    found = client.get("/v1/contacts", params={"kind": "x", "value": "lucia_g"}, headers=KEY_A)
    assert found.json()["id"] == lucia["id"]

    # Tenant b can neither read, find, merge into, nor change tenant a's contacts.
    assert client.get(f"/v1/contacts/{lucia['id']}", headers=KEY_B).status_code == 404
    assert client.get("/v1/contacts", params={"kind": "x", "value": "lucia_g"},
                      headers=KEY_B).status_code == 404  # fmt: skip
    theirs = client.post("/v1/contacts", json={"kind": "x", "value": "lucia_g", "name": "L"},
                         headers=KEY_B).json()  # fmt: skip
    assert theirs["id"] != lucia["id"] and client.get(
        f"/v1/contacts/{theirs['id']}", headers=KEY_B).json()["timeline"] == []  # fmt: skip
    assert client.post(f"/v1/contacts/{theirs['id']}/merge", json={"into": lucia["id"]},
                       headers=KEY_B).status_code == 404  # fmt: skip
    assert client.put(f"/v1/contacts/{lucia['id']}/consent", json={"crm": True},
                      headers=KEY_B).status_code == 404  # fmt: skip
    assert client.post(f"/v1/contacts/{lucia['id']}/unmerge", headers=api[2]).status_code == 403

    consent = client.put(f"/v1/contacts/{lucia['id']}/consent", json={"crm": True},
                         headers=KEY_A)  # fmt: skip
    assert consent.json()["consent"] == {"crm": True, "marketing": False}
    back = client.post(f"/v1/contacts/{on_ig['id']}/unmerge", headers=KEY_A)
    assert back.json()["members"] == [on_ig["id"]]


def test_the_metrics_carry_complaint_recovery(api):
    client = api[0].client
    wrote = wrote_at(api[0].database_url)
    query = {"since": (wrote - timedelta(days=1)).isoformat(),
             "until": (wrote + timedelta(days=1)).isoformat()}  # fmt: skip
    recovered = client.get("/v1/metrics/care", params=query, headers=KEY_A).json()
    assert recovered["complaint_recovery"]["complainers"] == 1


def test_a_periods_report_comes_as_json_for_its_own_tenant_only(api):
    client, reader = api[0].client, api[2]
    mine = client.get("/v1/reports/2026-11", headers=reader)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["tenant"] == "a" and body["mentions"] == 1
    assert body["period"]["since"].startswith("2026-11-01")  # tenant a keeps UTC
    assert body["complaint_recovery"]["complainers"] == 1
    assert sum(d["negative"] + d["neutral"] + d["positive"] for d in body["days"]) == 1
    theirs = client.get("/v1/reports/2026-11", headers=KEY_B).json()
    assert theirs["tenant"] == "b" and theirs["mentions"] == 0
    assert client.get("/v1/reports/noviembre", headers=KEY_A).status_code == 422
    assert client.get("/v1/reports/2026-11").status_code == 401


def test_the_ror_ledger_shows_its_parts_per_person_and_keeps_to_its_tenant(api):
    client, engine = api[0].client, api[3]
    store = Store.from_url(api[0].database_url)
    wrote = wrote_at(api[0].database_url)
    praise = triaged(
        2,
        tenant="a",
        author="lucia_g",
        created_at=(wrote + timedelta(days=2)).isoformat(),
        text="@aerosol atención de 10, os lo recomiendo, gracias!",
    )
    store.save([praise])
    store.dispose()
    lucia = Contacts(engine).ensure("a", "x", "lucia_g", "Lucía", wrote)
    query = {"since": (wrote - timedelta(days=1)).isoformat(),
             "until": (wrote + timedelta(days=5)).isoformat()}  # fmt: skip
    mine = client.get("/v1/metrics/ror", params=query, headers=KEY_A)
    assert mine.status_code == 200, mine.text
    ledger = mine.json()
    assert (ledger["people"], ledger["complainers"], ledger["recommendations"]) == (1, 1, 1)
    assert ledger["recovered_complaints"] == 1 and ledger["positive_mentions"] == 1
    (line,) = ledger["lines"]
    assert line["person"] == lucia and line["recommendations"] == 1
    assert line["complained"] and line["recovered"]
    one = client.get("/v1/metrics/ror", params=query | {"contact": lucia}, headers=KEY_A).json()
    assert [entry["person"] for entry in one["lines"]] == [lucia]
    # Tenant b sees none of it, and cannot ask after tenant a's contact.
    theirs = client.get("/v1/metrics/ror", params=query, headers=KEY_B).json()
    assert theirs["people"] == 0 and theirs["lines"] == []
    crossing = client.get("/v1/metrics/ror", params=query | {"contact": lucia}, headers=KEY_B)
    assert crossing.status_code == 404
