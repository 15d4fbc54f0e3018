"""The care loop end to end, on each platform: a signed webhook opens a case with SLA clocks,
the case goes to the present Spanish-speaking agent, the agent's reply goes through the API to
a local server playing the platform, and the case then shows its first response met.

Real API process, Celery workers and beat, real Redis; SQLite and PostgreSQL.
"""

import json

import pytest

from escucha.channels.senders import GRAPH_VERSION
from escucha.core.sealed import Sealer, new_key
from escucha.core.tenant import Tenant
from escucha.ops.redis_server import RedisServer
from escucha.store.agents import AgentRecord, Agents
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.migrate import upgrade
from escucha.store.store import make_engine
from escucha.store.tenants import Tenants
from tests import platform_payloads as p
from tests.api_process import WEBHOOK_SECRETS, api_and_workers, signed
from tests.pipeline_helpers import migrated_sqlite
from tests.platform_servers import PlatformServer, Reply
from tests.postgres_server import fresh_database
from tests.processes import wait_until

pytestmark = pytest.mark.postgres
KEY = {"X-API-Key": "key-sol"}
SEAL = new_key()
PLATFORM_ID = {"value": 0}


def answer(request):
    PLATFORM_ID["value"] += 1
    return Reply(200, {"id": f"posted-{PLATFORM_ID['value']}"})


def tweeted(request):
    return Reply(201, {"data": {"id": "1900000000000000001", "text": request.json()["text"]}})


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def database_url(request, tmp_path_factory):
    """The loop runs on each store: SQLite, and a fresh database on the PostgreSQL server."""
    if request.param == "sqlite":
        yield migrated_sqlite(tmp_path_factory.mktemp("care-sqlite"))
        return
    with fresh_database(request.getfixturevalue("postgres_url"), "care_e2e") as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="module")
def stack(tmp_path_factory, database_url):
    root = tmp_path_factory.mktemp("care")
    redis_server = RedisServer(root / "redis").start()
    routes = {
        f"/{GRAPH_VERSION}/777_888/comments": answer,
        f"/{GRAPH_VERSION}/17865799348089039/replies": answer,
        "/2/tweets": tweeted,
        "/api/v1/statuses": answer,
    }
    with PlatformServer(routes) as platforms:
        engine = make_engine(database_url)
        Tenants(engine).put(Tenant.model_validate({
            "id": "sol", "name": "Aerolíneas Sol", "timezone": "Europe/Madrid", "hours": "24/7",
            "brands": ["AeroSol", "@aerosol"], "keywords": ["vuelo", "vuelos", "maleta", "flight"],
        }))  # fmt: skip
        channels = ChannelCredentials(engine, Sealer([SEAL]))
        channels.connect("sol", "facebook", p.PAGE_ID, "page-token")
        channels.connect("sol", "instagram", p.IG_ACCOUNT_ID, "ig-token")
        channels.connect("sol", "x", p.X_OWNER_ID, "x-token")
        channels.connect("sol", "mastodon", "mastodon.social", "masto-token",
                         instance=platforms.url)  # fmt: skip
        agents = Agents(engine)
        agents.add("sol", AgentRecord("marta", "Marta", "marta@sol.es", ("es", "en"), 10, "24/7"))
        agents.add("sol", AgentRecord("john", "John", "john@sol.es", ("en",), 10, "24/7"))
        engine.dispose()
        env = {
            "REDIS_URL": redis_server.url,
            "DATABASE_URL": database_url,
            "ESCUCHA_DATA_DIR": str(root / "data"),
            "ESCUCHA_SECRET_KEY": SEAL,
            "ESCUCHA_META_GRAPH_URL": platforms.url,
            "ESCUCHA_X_API_URL": platforms.url,
            "ESCUCHA_OUTBOX_TICK_S": "0.5",
            "ESCUCHA_CARE_TICK_S": "1",
            "ESCUCHA_BATCH_SIZE": "50",
            **WEBHOOK_SECRETS,
            "ESCUCHA_API_KEYS": json.dumps({"key-sol": "sol"}),
        }
        with api_and_workers(root, env) as (client, _):
            client.post("/v1/agents/marta/presence", headers=KEY).raise_for_status()
            yield client, platforms
        redis_server.stop()


def deliver(client, path, payload):
    answer = signed(client, path, payload)
    assert answer.status_code == 200, answer.text


def case_of(client, author, timeout_s=90):
    found = {}

    def there():
        client.post("/v1/agents/marta/presence", headers=KEY)  # the agent's app keeps beating
        for case in client.get("/v1/cases", params={"limit": 200}, headers=KEY).json()["cases"]:
            if case["author"] == author and case["assignee"] and case["sla"]:
                found.update(case)
        return bool(found)

    assert wait_until(there, timeout_s, every_s=0.5), client.get("/v1/cases", headers=KEY).text
    return found


def first_response(case):
    return next(t for t in case["sla"] if t["target"] == "first_response")


PLATFORMS = {
    "facebook": (
        ("/webhooks/meta", p.meta_comment()),
        "Lucía Pérez", f"/{GRAPH_VERSION}/777_888/comments",
        "Hola Lucía, sentimos mucho la espera. Hoy revisamos tu reembolso y te escribimos antes "
        "de las 18:00.",
    ),
    "instagram": (
        ("/webhooks/meta", p.instagram_comment()),
        "viajera.mx", f"/{GRAPH_VERSION}/17865799348089039/replies",
        "Hola viajera.mx, gracias por escribirnos. Sí, tenemos vuelos a Cancún en diciembre; te "
        "enviamos hoy las tarifas por aquí.",
    ),
    "x": (
        ("/webhooks/x", p.x_account_activity()),
        "angry_flyer", "/2/tweets",
        "Hi angry_flyer, we are very sorry about your bag. We are tracing it today and will "
        "write to you before 18:00.",
    ),
    "mastodon": (
        ("/webhooks/mastodon", p.mastodon_event()),
        "ana@mastodon.social", "/api/v1/statuses",
        "Hola Ana, sentimos mucho lo de tu maleta. Hoy la buscamos y te escribimos antes de las "
        "18:00.",
    ),
}  # fmt: skip


TOKENS = {"facebook": "page-token", "instagram": "ig-token", "x": "x-token",
          "mastodon": "masto-token"}  # fmt: skip
SPOKEN = {  # what each platform received as the reply's text, where its API puts it
    "facebook": lambda hit: hit.form()["message"],
    "instagram": lambda hit: hit.form()["message"],
    "x": lambda hit: (
        hit.json()["text"]
        if hit.json()["reply"]["in_reply_to_tweet_id"] == "1600000000000000001"
        else None
    ),
    "mastodon": lambda hit: (
        hit.form()["status"].removeprefix("@ana@mastodon.social ")
        if hit.form()["in_reply_to_id"] == "113500000000000001"
        else None
    ),
}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_complaint_is_assigned_answered_on_its_platform_and_met(stack, platform):
    client, platforms = stack
    webhook, author, path, text = PLATFORMS[platform]
    deliver(client, *webhook)
    case = case_of(client, author)
    assert case["channel"] == platform and case["status"] == "new"
    assert case["assignee"] == "marta"  # present, on shift, speaks the case's language
    first = first_response(case)
    assert first["due_at"] and first["met_at"] is None
    assert first["explanation"].startswith("vence el")  # in the tenant's language
    informal = client.post(f"/v1/cases/{case['id']}/replies",
                           json={"text": "jajaja tranqui, yo lo miro"}, headers=KEY)  # fmt: skip
    assert informal.status_code == 422 and informal.json()["detail"]["findings"]
    sent = client.post(f"/v1/cases/{case['id']}/replies", json={"text": text}, headers=KEY)
    assert sent.status_code == 202, sent.text
    assert wait_until(lambda: platforms.hits(path), 60), f"nothing reached {path}"
    hit = platforms.hits(path)[-1]
    headers = {k.lower(): v for k, v in hit.headers.items()}
    assert hit.method == "POST" and headers["authorization"] == f"Bearer {TOKENS[platform]}"
    assert SPOKEN[platform](hit) == text

    def met():
        whole = client.get(f"/v1/cases/{case['id']}", headers=KEY).json()
        return first_response(whole)["met_at"] is not None and whole["status"] == "open"

    assert wait_until(met, 60, every_s=0.5), client.get(f"/v1/cases/{case['id']}",
                                                        headers=KEY).text  # fmt: skip
    whole = client.get(f"/v1/cases/{case['id']}", headers=KEY).json()
    assert whole["replies"][-1]["status"] == "sent"
    assert [e["agent"] for e in whole["assignment_log"]] == ["marta"]
