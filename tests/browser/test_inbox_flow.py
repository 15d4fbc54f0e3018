"""A community manager's morning in Chromium, on the demo's mentions and the real stack (API
process, Celery workers and beat, Redis, SQLite, a local server playing X): log in, the most
urgent case is first, open it, type an informal reply and see the tone findings, fix it and
send it, the platform receives it and the case shows its first response met. Also: another
tenant's case by URL is a 404, and a form without its CSRF token is a 403. Screenshots of the
inbox, a case and the dashboard go under the run's output (the README shows them)."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from escucha.core.passwords import hash_password
from escucha.core.sealed import Sealer, new_key
from escucha.core.tenant import Tenant, load_tenant
from escucha.ops.redis_server import RedisServer
from escucha.store.agents import AgentRecord, Agents
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.store import make_engine
from escucha.store.tenants import Tenants
from escucha.store.web_logins import Logins
from tests import platform_payloads as p
from tests.api_process import WEBHOOK_SECRETS, api_and_workers
from tests.browser.conftest import sign_in
from tests.pipeline_helpers import migrated_sqlite
from tests.platform_servers import PlatformServer, Reply
from tests.processes import wait_until
from tests.web_site import PASSWORD

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "escucha" / "cli" / "demo" / "sample_mentions.jsonl"
EXAMPLE = REPO / "config" / "tenant.example.toml"
SEAL = new_key()
KEYS = {"key-demo": "default", "key-otra": "otra"}
INFORMAL = "hola tío, ya lo miramos jaja"


def tweeted(request):
    return Reply(201, {"data": {"id": "1900000000000000077", "text": request.json()["text"]}})


def recent(rows: list[dict], now: datetime) -> list[dict]:
    """The sample's mentions moved into the last hour, their order kept: clocks still running."""
    times = [datetime.fromisoformat(r["created_at"]) for r in rows]
    first, span = min(times), (max(times) - min(times)) or timedelta(seconds=1)
    hour = timedelta(minutes=58)
    return [r | {"created_at": (now - hour + (t - first) / span * hour).isoformat()}
            for r, t in zip(rows, times, strict=True)]  # fmt: skip


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox-flow")
    redis_server = RedisServer(root / "redis").start()
    database_url = migrated_sqlite(root)
    with PlatformServer({"/2/tweets": tweeted}) as platform:
        engine = make_engine(database_url)
        example = load_tenant(EXAMPLE)
        tenants = Tenants(engine)
        tenants.put(example.model_copy(update={"hours": "24/7"}))  # clocks run at any hour
        tenants.put(Tenant(id="otra", name="Otra Tienda", brands=["Otra Tienda"]))
        ChannelCredentials(engine, Sealer([SEAL])).connect("default", "x", p.X_OWNER_ID, "x-tok")
        agents, logins = Agents(engine), Logins(engine)
        people = (("default", "ana", "ana@sol.es"), ("otra", "bea", "bea@otra.es"))
        for tenant, agent, email in people:
            agents.add(tenant, AgentRecord(agent, agent.title(), email, ("es",), 50, "24/7"))
            logins.set_password(tenant, agent, hash_password(PASSWORD), "admin")
        env = {
            "REDIS_URL": redis_server.url,
            "DATABASE_URL": database_url,
            "ESCUCHA_DATA_DIR": str(root / "data"),
            "ESCUCHA_SECRET_KEY": SEAL,
            "ESCUCHA_X_API_URL": platform.url,
            "ESCUCHA_OUTBOX_TICK_S": "0.5",
            "ESCUCHA_CARE_TICK_S": "1",
            "ESCUCHA_BATCH_SIZE": "50",
            **WEBHOOK_SECRETS,
            "ESCUCHA_API_KEYS": json.dumps(KEYS),
        }
        with api_and_workers(root, env) as (client, _):
            rows = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines()]
            answer = client.post("/v1/mentions", json=recent(rows, datetime.now(UTC)),
                                 headers={"X-API-Key": "key-demo"})  # fmt: skip
            assert answer.status_code == 202, answer.text
            theirs = {"id": "o1", "source": "x", "text": "Otra Tienda: el pedido llegó roto",
                      "author": "pepe_b", "created_at": datetime.now(UTC).isoformat()}  # fmt: skip
            client.post("/v1/mentions", headers={"X-API-Key": "key-otra"},
                        json=[theirs]).raise_for_status()  # fmt: skip

            def projected() -> bool:
                cases = client.get("/v1/cases", params={"limit": 200},
                                   headers={"X-API-Key": "key-demo"}).json()["cases"]  # fmt: skip
                return len(cases) >= 20 and all(c["sla"] for c in cases)

            assert wait_until(projected, 120, every_s=1), (root / "logs").iterdir()
            yield client, platform
        engine.dispose()
    redis_server.stop()


def test_the_most_urgent_case_is_answered_in_tone_and_its_sla_met(stack, page: Page, shot):
    client, platform = stack
    base = str(client.base_url).rstrip("/")
    sign_in(page, base, "ana@sol.es")
    most_urgent = client.get("/v1/cases", params={"limit": 1},
                             headers={"X-API-Key": "key-demo"}).json()["cases"][0]  # fmt: skip
    first = page.locator("#cases tbody tr").first
    expect(first).to_have_attribute("data-case", most_urgent["id"])
    shot(page, "inbox")

    page.keyboard.press("j")  # the shortcut selects the first row, o opens it
    page.keyboard.press("o")
    expect(page).to_have_url(re.compile(re.escape(f"/cases/{quote(most_urgent['id'], safe='')}")))
    page.keyboard.press("r")
    expect(page.locator("#reply-text")).to_be_focused()
    page.locator("#reply-text").press_sequentially(INFORMAL, delay=20)
    findings = page.locator("#tone-findings li")
    expect(findings.first).to_be_visible()  # while typing, debounced: no button pressed
    expect(page.locator("#tone-findings")).to_contain_text(re.compile("informal", re.I))
    shot(page, "case-tone")

    name = most_urgent["author"]
    careful = (f"Hola {name}, sentimos mucho lo ocurrido. Hoy revisamos tu caso y te "
               "escribimos antes de las 18:00.")  # fmt: skip
    page.locator("#reply-text").fill(careful)
    page.locator("#reply-text").press("End")  # an input event: the check runs again
    expect(page.locator("#tone-findings li")).to_have_count(0)
    page.locator("#send-reply").click()

    assert wait_until(lambda: platform.hits("/2/tweets"), 60), "X never received the reply"
    (sent,) = platform.hits("/2/tweets")
    assert sent.json()["text"] == careful
    # The page polls while the reply is queued and the clock not yet re-projected: no reload.
    first_response = page.locator('#sla-targets li[data-target="first_response"]')
    expect(first_response).to_have_attribute("data-state", "met", timeout=60_000)
    expect(page.locator('#conversation li[data-delivery="sent"]')).to_have_count(1)
    shot(page, "case")

    page.goto(f"{base}/dashboard")
    expect(page.locator("main")).to_be_visible()
    shot(page, "dashboard")


def test_another_tenants_case_by_url_is_a_404(stack, page: Page):
    client, _ = stack
    theirs = client.get("/v1/cases", params={"limit": 1},
                        headers={"X-API-Key": "key-demo"}).json()["cases"][0]  # fmt: skip
    sign_in(page, str(client.base_url).rstrip("/"), "bea@otra.es")
    answer = page.goto(f"{str(client.base_url).rstrip('/')}/cases/{theirs['id']}")
    assert answer is not None and answer.status == 404
    expect(page.locator("body")).not_to_contain_text(theirs["author"])


def test_a_form_without_its_csrf_token_is_refused(stack, page: Page):
    client, _ = stack
    base = str(client.base_url).rstrip("/")
    sign_in(page, base, "ana@sol.es")
    # The logout form, its token taken out: the browser posts it with the session cookie.
    page.locator("form[action='/logout'] input[name=csrf]").evaluate("e => e.remove()")
    with page.expect_response(re.compile(r"/logout$")) as posted:
        page.get_by_role("button", name="Salir").click()
    assert posted.value.status == 403
    page.goto(f"{base}/inbox")
    expect(page).to_have_url(re.compile(r"/inbox$"))  # still logged in: nothing was done
