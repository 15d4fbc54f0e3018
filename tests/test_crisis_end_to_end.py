"""A crisis end to end: a month of quiet history through the pipeline, then 40 complaints in
ten minutes. One incident opens within two minutes and reaches a signed-webhook receiver, a
Slack-shaped receiver and an SMTP server; a second burst within the cooldown updates the same
incident; nobody acknowledges it, so the next step of the ladder is alerted.

Real API process, Celery workers and beat, real Redis and SQLite; no clock is faked, so the
ladder's step waits its one real minute.
"""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from aiosmtpd.controller import Controller

from escucha.core.sealed import new_key
from escucha.core.tenant import Tenant
from escucha.insight.alerts.destination import new_webhook_secret
from escucha.insight.alerts.standard_webhooks import verify
from escucha.ops.redis_server import RedisServer
from escucha.store.store import make_engine
from escucha.store.tenants import Tenants
from tests.api_process import api_and_workers
from tests.crisis_history import NEGATIVE, NEUTRAL
from tests.pipeline_helpers import migrated_sqlite
from tests.platform_servers import PlatformServer, Reply
from tests.processes import wait_until

KEY = {"X-API-Key": "key-shop"}
SECRET = new_webhook_secret()
BOSS_SECRET = new_webhook_secret()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        self.messages.append(envelope.content)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("crisis")
    database_url = migrated_sqlite(root)
    redis_server = RedisServer(root / "redis").start()
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    ok = lambda seen: Reply(200, "ok")  # noqa: E731
    with PlatformServer({"/hook": ok, "/slack/T1/B1/s3cr3t": ok, "/boss": ok}) as receivers:
        engine = make_engine(database_url)
        Tenants(engine).put(Tenant.model_validate({
            "id": "shop", "name": "Aerosol", "timezone": "Europe/Madrid", "brands": ["aerosol"],
            "languages": ["es", "en"], "hours": "24/7",
            "crisis": {"ladder": [
                {"after_minutes": 0, "destinations": ["hook", "slack", "mail"]},
                {"after_minutes": 1, "destinations": ["boss"]},
            ]},
        }))  # fmt: skip
        engine.dispose()
        env = {
            "REDIS_URL": redis_server.url,
            "DATABASE_URL": database_url,
            "ESCUCHA_DATA_DIR": str(root / "data"),
            "ESCUCHA_SECRET_KEY": new_key(),
            "ESCUCHA_CRISIS_TICK_S": "5",
            "ESCUCHA_ALERT_TICK_S": "1",
            "ESCUCHA_ALERT_INTERNAL_HOSTS": "true",  # the receivers are on loopback
            "ESCUCHA_BATCH_SIZE": "100",
            "ESCUCHA_API_KEYS": json.dumps({"key-shop": "shop"}),
        }
        with api_and_workers(root, env) as (client, _):
            destinations = {
                "hook": {"kind": "webhook", "url": f"{receivers.url}/hook", "secret": SECRET},
                "slack": {"kind": "slack", "url": f"{receivers.url}/slack/T1/B1/s3cr3t"},
                "mail": {"kind": "email", "to": ["guardia@aerosol.es"], "sender":
                         "alertas@escucha.local", "host": "127.0.0.1", "port": smtp.port,
                         "starttls": False},
                "boss": {"kind": "webhook", "url": f"{receivers.url}/boss", "secret": BOSS_SECRET},
            }  # fmt: skip
            for name, settings in destinations.items():
                made = client.post("/v1/alert-destinations", headers=KEY,
                                   json={"name": name, "settings": settings})  # fmt: skip
                assert made.status_code == 201, made.text
            yield client, receivers, inbox
    smtp.stop()
    redis_server.stop()


def post(client, mentions: list[dict]) -> None:
    for i in range(0, len(mentions), 100):
        answer = client.post("/v1/mentions", json=mentions[i : i + 100], headers=KEY)
        assert answer.status_code == 202, answer.text


def stored(client) -> int:
    return len(client.get("/v1/mentions", params={"limit": 500}, headers=KEY).json())


def mention(n: int, text: str, at: datetime) -> dict:
    return {"id": f"m{n}", "source": "x", "text": text, "author": f"cliente{n % 97}",
            "created_at": at.isoformat()}  # fmt: skip


def quiet_month(now: datetime, per_day: int = 8) -> list[dict]:
    """Thirty days of chatter before `now`, a fifth of it negative, at random moments."""
    rng = np.random.default_rng(7)
    start = now - timedelta(days=30)
    offsets = np.sort(rng.uniform(0, 30 * 86400 - 3600, size=30 * per_day))
    return [mention(i, NEGATIVE if rng.random() < 0.2 else NEUTRAL,
                    start + timedelta(seconds=float(s)))
            for i, s in enumerate(offsets)]  # fmt: skip


def burst(first: int, count: int, now: datetime) -> list[dict]:
    """`count` complaints spread over the ten minutes before `now`."""
    return [mention(first + i, NEGATIVE, now - timedelta(minutes=10) + i * timedelta(minutes=10)
                    / count) for i in range(count)]  # fmt: skip


def hits(receivers: PlatformServer, path: str) -> list[dict]:
    return [s.json() for s in receivers.hits(path)]


def test_forty_complaints_in_ten_minutes_open_one_incident_that_reaches_everyone(stack):
    client, receivers, inbox = stack
    history = quiet_month(datetime.now(UTC))
    post(client, history)
    assert wait_until(lambda: stored(client) >= len(history), 120, every_s=1)
    assert client.get("/v1/incidents", headers=KEY).json()["incidents"] == []

    post(client, burst(100_000, 40, datetime.now(UTC)))
    posted = time.monotonic()

    def opened() -> list[dict]:
        return client.get("/v1/incidents", headers=KEY).json()["incidents"]

    assert wait_until(lambda: bool(opened()), 120, every_s=1), "no incident in two minutes"
    assert time.monotonic() - posted <= 120
    # A watch tick may land while the burst is still being stored: the incident opens on what
    # it saw, and counts the rest as they arrive (not doubled, so nobody is paged again).
    assert wait_until(lambda: opened()[0]["observed"] >= 40, 60, every_s=1), opened()
    [incident] = opened()
    assert "negativ" in incident["headline"]

    # It reached the webhook (signed), Slack and the mailbox, each once.
    assert wait_until(lambda: receivers.hits("/hook") and receivers.hits("/slack/T1/B1/s3cr3t")
                      and inbox.messages, 60, every_s=0.5)  # fmt: skip
    first, *_ = receivers.hits("/hook")
    assert [h["type"] for h in hits(receivers, "/hook")] == ["incident.opened"], (
        hits(receivers, "/hook"),
        opened(),
    )
    hook = first
    verify(SECRET, hook.headers, hook.body, now=time.time())
    assert hook.json()["type"] == "incident.opened"
    assert hook.json()["data"]["incident_id"] == incident["id"]
    assert "Posible crisis" in json.dumps(hits(receivers, "/slack/T1/B1/s3cr3t"),
                                          ensure_ascii=False)  # fmt: skip
    [mail] = inbox.messages
    assert b"X-Escucha-Alert" in mail and b"multipart/alternative" in mail

    # A second, bigger burst within the cooldown updates the same incident.
    post(client, burst(200_000, 90, datetime.now(UTC)))

    def updated() -> bool:
        return any(h["type"] == "incident.updated" for h in hits(receivers, "/hook"))

    assert wait_until(updated, 120, every_s=1), hits(receivers, "/hook")
    [same] = opened()
    assert same["id"] == incident["id"]
    thread = client.get(f"/v1/incidents/{incident['id']}", headers=KEY).json()
    assert [e["change"] for e in thread["thread"]][:2] == ["opened", "updated"]

    # Nobody acknowledged it: a minute after opening, the ladder's next step hears of it.
    assert wait_until(lambda: receivers.hits("/boss"), 150, every_s=1), thread
    [boss] = receivers.hits("/boss")
    verify(BOSS_SECRET, boss.headers, boss.body, now=time.time())
    assert boss.json()["type"] == "incident.escalated"
    log = client.get(f"/v1/incidents/{incident['id']}", headers=KEY).json()["deliveries"]
    assert {d["destination"] for d in log} == {"hook", "slack", "mail", "boss"}
    assert all(d["status"] == "sent" for d in log), log
