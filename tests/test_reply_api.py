"""Replying to a case over the API: tone findings first, then the outbox; roles and tenants
held apart. Real socket, real Redis and SQLite."""

import pytest

from escucha.store.outbox import Outbox
from tests.care_api import complaint_api
from tests.security.conftest import KEY_A, KEY_B

INFORMAL = "jajaja tranqui, yo lo miro"
CAREFUL = ("Hola lucia_g, sentimos mucho la espera. Hoy revisamos tu pedido y te escribimos antes "
           "de las 18:00.")  # fmt: skip


@pytest.fixture
def api(redis_server, sqlite_url, tmp_path):
    text = "@aerosol mi maleta no llegó y nadie contesta, es la tercera vez"
    yield from complaint_api(redis_server.url, sqlite_url, tmp_path / "data", text)


def test_an_informal_reply_is_refused_with_findings_and_a_careful_one_is_queued(api):
    client, case, _, engine = api[0].client, api[1], api[2], api[3]
    refused = client.post(f"/v1/cases/{case}/replies", json={"text": INFORMAL}, headers=KEY_A)
    assert refused.status_code == 422
    rules = {f["rule"] for f in refused.json()["detail"]["findings"]}
    assert {"informal", "voice", "no_apology"} <= rules
    queued = client.post(f"/v1/cases/{case}/replies", json={"text": CAREFUL},
                         headers=KEY_A | {"Idempotency-Key": "k-1"})  # fmt: skip
    assert queued.status_code == 202, queued.text
    body = queued.json()
    assert (body["id"], body["status"], body["findings"]) == ("k-1", "pending", [])
    row = Outbox(engine).get("k-1")
    assert (row.account, row.platform, row.in_reply_to, row.text) == ("x:777", "x", "1", CAREFUL)
    again = client.post(f"/v1/cases/{case}/replies", json={"text": CAREFUL},
                        headers=KEY_A | {"Idempotency-Key": "k-1"})  # fmt: skip
    assert again.json()["id"] == "k-1" and len(Outbox(engine).due(row.next_attempt_at)) == 1
    confirmed = client.post(f"/v1/cases/{case}/replies",
                            json={"text": INFORMAL, "confirm": True}, headers=KEY_A)  # fmt: skip
    assert confirmed.status_code == 202 and confirmed.json()["findings"]
    assert client.get("/v1/replies/k-1", headers=KEY_A).json()["status"] == "pending"


def test_another_tenant_or_a_reading_key_cannot_reply(api):
    client, case, reader = api[0].client, api[1], api[2]
    other = client.post(f"/v1/cases/{case}/replies", json={"text": CAREFUL}, headers=KEY_B)
    assert other.status_code == 404
    read_only = client.post(f"/v1/cases/{case}/replies", json={"text": CAREFUL}, headers=reader)
    assert read_only.status_code == 403
    client.post(f"/v1/cases/{case}/replies", json={"text": CAREFUL},
                headers=KEY_A | {"Idempotency-Key": "k-2"})  # fmt: skip
    assert client.get("/v1/replies/k-2", headers=KEY_B).status_code == 404
    assert client.post("/v1/cases/nope/replies", json={"text": CAREFUL},
                       headers=KEY_A).status_code == 404  # fmt: skip
