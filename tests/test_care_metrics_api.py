"""`GET /v1/metrics/care` over a real socket: a bot's reply left out, tenants held apart."""

from datetime import datetime, timedelta

import pytest
import time_machine

from escucha.core.models import as_utc
from escucha.store.outbox import Outbox
from escucha.store.store import Store
from tests.care_api import complaint_api
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
