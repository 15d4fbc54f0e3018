"""The HTTP ingest service over a real socket and a real Redis (batches are recorded, not run)."""

import json
from datetime import UTC, datetime

import httpx
import pytest

from config.settings import Settings
from escucha.channels.signatures import sign_hex, x_digest
from escucha.core import keys
from escucha.store.migrate import upgrade
from escucha.store.store import Store
from escucha.web.app import create_app
from tests import platform_payloads as p
from tests.api_server import free_port, serving
from tests.factories import own_accounts, triaged
from tests.pipeline_helpers import Recorder

SECRETS = {
    "meta_app_secret": "meta-app-secret",
    "meta_verify_token": "verify-me",
    "x_consumer_secret": "x-consumer-secret",
    "mastodon_webhook_secret": "masto-secret",
    "api_keys": {"key-sol": "sol", "key-other": "other"},
}
ACCOUNTS = {
    f"meta:{p.PAGE_ID}": "sol",
    f"x:{p.X_OWNER_ID}": "sol",
    "mastodon:mastodon.social": "sol",
}


def settings_for(redis_url: str, database_url: str, **overrides) -> Settings:
    return Settings(redis_url=redis_url, database_url=database_url, **SECRETS | overrides)


@pytest.fixture
def api(redis_client, redis_server, sqlite_url):
    upgrade(sqlite_url)
    own_accounts(sqlite_url, ACCOUNTS)
    recorder = Recorder()
    app = create_app(settings_for(redis_server.url, sqlite_url), recorder)
    with serving(app) as url, httpx.Client(base_url=url, timeout=10) as client:
        yield client, recorder, redis_client, sqlite_url


def post_signed(client, path, payload, header, signature=None, secret=None):
    body = json.dumps(payload).encode()
    value = signature or sign_hex(body, secret)
    return client.post(
        path, content=body, headers={header: value, "Content-Type": "application/json"}
    )


def staged_ids(redis_client) -> set[str]:
    prefix = len(keys.staged("raw", ""))
    return {k.decode()[prefix:] for k in redis_client.scan_iter(keys.staged("raw", "*"))}


def test_meta_handshake_echoes_the_challenge_only_for_the_right_token(api):
    client = api[0]
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me",
        "hub.challenge": "1158201444",
    }
    answer = client.get("/webhooks/meta", params=params)
    assert (answer.status_code, answer.text) == (200, "1158201444")
    assert answer.headers["content-type"].startswith("text/plain")
    assert (
        client.get("/webhooks/meta", params=params | {"hub.verify_token": "no"}).status_code == 403
    )


def test_a_signed_meta_comment_is_accepted_and_staged(api):
    client, recorder, redis_client, _ = api
    answer = post_signed(
        client, "/webhooks/meta", p.meta_comment(), "X-Hub-Signature-256", secret="meta-app-secret"
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["ids"] == ["sol:facebook:777_888"]
    assert staged_ids(redis_client) == {"sol:facebook:777_888"}
    assert recorder.entered() == ["sol:facebook:777_888"]
    assert redis_client.zscore(keys.LEDGER, "sol:facebook:777_888") is not None


def test_legacy_sha1_signatures_are_accepted(api):
    client, _, redis_client, _ = api
    body = json.dumps(p.meta_comment("9_9")).encode()
    answer = client.post(
        "/webhooks/meta",
        content=body,
        headers={"X-Hub-Signature": sign_hex(body, "meta-app-secret", "sha1")},
    )
    assert answer.status_code == 200 and staged_ids(redis_client) == {"sol:facebook:9_9"}


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),  # missing
        ({"X-Hub-Signature-256": "sha256=" + "0" * 64}, 403),  # forged
        ({"X-Hub-Signature-256": "sha512=" + "0" * 128}, 401),  # wrong algorithm
        ({"X-Hub-Signature-256": "garbage"}, 401),  # malformed
    ],
)
def test_bad_meta_signatures_are_refused_and_nothing_is_stored(api, headers, status):
    from escucha.channels.health import ChannelHealth

    client, recorder, redis_client, _ = api
    answer = client.post(
        "/webhooks/meta", content=json.dumps(p.meta_comment()).encode(), headers=headers
    )
    assert answer.status_code == status
    assert "signature" in answer.json()["detail"]
    assert staged_ids(redis_client) == set() and recorder.sent == []
    # A refused signature belongs to no tenant: the operator sees it on the endpoint's record.
    (endpoint,) = ChannelHealth(redis_client).report()
    assert (endpoint.tenant, endpoint.name) == ("*", "meta") and endpoint.last_signature_failure
    assert client.get("/v1/channels", headers={"X-API-Key": "key-sol"}).json() == []


def test_a_repeated_delivery_is_answered_but_not_processed_again(api):
    client, recorder, _, _ = api
    body = json.dumps(p.meta_comment()).encode()
    headers = {"X-Hub-Signature-256": sign_hex(body, "meta-app-secret")}
    assert client.post("/webhooks/meta", content=body, headers=headers).status_code == 200
    again = client.post("/webhooks/meta", content=body, headers=headers)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert len(recorder.entered()) == 1


def test_a_meta_remove_buries_the_mention_and_asks_for_its_deletion(api):
    client, recorder, redis_client, _ = api
    answer = post_signed(
        client,
        "/webhooks/meta",
        p.meta_comment(verb="remove"),
        "X-Hub-Signature-256",
        secret="meta-app-secret",
    )
    assert answer.json()["deleted"] == 1
    assert recorder.ids_for("delete") == ["sol:facebook:777_888"]
    assert redis_client.zscore(keys.DELETED, "sol:facebook:777_888") is not None


def test_x_crc_and_signed_events(api):
    client, recorder, _, _ = api
    token = "M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0"  # X's form: base64 of a UUID
    crc = client.get("/webhooks/x", params={"crc_token": token}).json()
    assert crc == {"response_token": x_digest("x-consumer-secret", token.encode())}
    body = json.dumps(p.x_account_activity()).encode()
    good = {"x-twitter-webhooks-signature": x_digest("x-consumer-secret", body)}
    assert client.post("/webhooks/x", content=body, headers=good).status_code == 200
    forged = {"x-twitter-webhooks-signature": x_digest("guess", body)}
    assert client.post("/webhooks/x", content=body + b" ", headers=forged).status_code == 403
    assert recorder.entered() == ["sol:x:1600000000000000001"]


def test_mastodon_signed_status(api):
    client, recorder, _, _ = api
    answer = post_signed(
        client, "/webhooks/mastodon", p.mastodon_event(), "X-Hub-Signature", secret="masto-secret"
    )
    assert answer.status_code == 200
    assert recorder.entered() == ["sol:mastodon:mastodon.social/113500000000000001"]


def test_generic_mentions_need_a_key_and_accept_the_valid_items(api):
    client = api[0]
    items = [
        {
            "id": "a1",
            "source": "web",
            "text": "¿Dónde está mi pedido?",
            "author": "ana",
            "created_at": "2026-11-20T10:00:00Z",
        },
        {
            "id": "a2",
            "source": "web",
            "text": "",
            "author": "bob",
            "created_at": "2026-11-20T10:00:00Z",
        },
        "not an object",
    ]
    assert client.post("/v1/mentions", json=items).status_code == 401
    assert (
        client.post("/v1/mentions", json=items, headers={"X-API-Key": "wrong"}).status_code == 403
    )
    answer = client.post("/v1/mentions", json=items, headers={"Authorization": "Bearer key-sol"})
    assert answer.status_code == 202
    result = answer.json()
    assert result["ids"] == ["sol:web:a1"]
    assert [r["location"] for r in result["rejected"]] == ["request item 1", "request item 2"]
    assert result["rejected"][0]["reason"].startswith("text:")


def test_clear_errors_for_bad_bodies(api):
    client = api[0]
    key = {"X-API-Key": "key-sol"}
    broken = client.post("/v1/mentions", content=b"[{", headers=key)
    assert broken.status_code == 400 and "not valid JSON" in broken.json()["detail"]
    assert client.post("/v1/mentions", json={"id": 1}, headers=key).status_code == 422
    huge = client.post("/v1/mentions", content=b"[" + b" " * 6_000_000 + b"]", headers=key)
    assert huge.status_code == 413


def test_rate_limit_answers_429_with_retry_after(redis_client, redis_server, sqlite_url):
    upgrade(sqlite_url)
    app = create_app(
        settings_for(redis_server.url, sqlite_url, rate_limit_per_minute=2), Recorder()
    )
    with serving(app) as url:
        answers = [
            httpx.post(f"{url}/v1/mentions", json=[], headers={"X-API-Key": "key-sol"})
            for _ in range(3)
        ]
    assert [a.status_code for a in answers] == [202, 202, 429]
    assert 1 <= int(answers[2].headers["Retry-After"]) <= 60


def test_redis_away_means_503_never_2xx(sqlite_url):
    upgrade(sqlite_url)
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(settings_for(nowhere, sqlite_url), Recorder())
    with serving(app) as url:
        body = json.dumps(p.meta_comment()).encode()
        answer = httpx.post(
            f"{url}/webhooks/meta",
            content=body,
            headers={"X-Hub-Signature-256": sign_hex(body, "meta-app-secret")},
            timeout=30,
        )
    assert answer.status_code == 503 and answer.headers["Retry-After"]


def test_query_filters_and_tenant_isolation(api):
    client, _, _, database_url = api
    store = Store.from_url(database_url)
    day_1, day_2 = "2026-11-20T09:00:00Z", "2026-11-21T09:00:00Z"
    store.save([
        triaged(1, tenant="sol", text="Perdieron mi maleta, exijo compensación", created_at=day_1),
        triaged(2, tenant="sol", text="Gracias por el vuelo, todo perfecto", created_at=day_2),
        triaged(3, tenant="other", text="Perdieron mi maleta otra vez", created_at=day_2),
    ])  # fmt: skip
    store.dispose()
    key = {"X-API-Key": "key-sol"}

    def ids(**params):
        answer = client.get("/v1/mentions", params=params, headers=key)
        assert answer.status_code == 200, answer.text
        return [m["id"] for m in answer.json()]

    assert ids() == ["sol:x:2", "sol:x:1"]  # newest first, only this key's tenant
    assert ids(q="MALETA") == ["sol:x:1"]
    assert ids(sentiment="positive") == ["sol:x:2"]
    assert ids(since="2026-11-21T00:00:00+00:00") == ["sol:x:2"]
    assert ids(until=datetime(2026, 11, 21, tzinfo=UTC).isoformat(), source="x") == ["sol:x:1"]
    first = client.get("/v1/mentions", params={"limit": 1}, headers=key).json()[0]
    assert first["sentiment"] and first["intent"] and "priority" in first
    assert (
        client.get("/v1/mentions", params={"sentiment": "furious"}, headers=key).status_code == 422
    )


def test_past_the_high_water_mark_producers_get_429(redis_client, redis_server, sqlite_url):
    upgrade(sqlite_url)
    app = create_app(settings_for(redis_server.url, sqlite_url, ingest_high_water=4), Recorder())
    items = [
        {"id": f"h{n}", "source": "web", "text": "hola", "author": "a", "created_at": "2026-11-20"}
        for n in range(2)
    ]
    with serving(app) as url:
        key = {"X-API-Key": "key-sol"}
        first = httpx.post(f"{url}/v1/mentions", json=items, headers=key)
        full = httpx.post(f"{url}/v1/mentions", json=items, headers=key)
    assert first.status_code == 202
    assert full.status_code == 429 and full.headers["Retry-After"] == "5"
    assert "in flight" in full.json()["detail"]
    assert redis_client.zcard(keys.LEDGER) == 2  # the refused request left nothing behind


def test_metrics_expose_queues_ledger_dead_letters_and_latency(api):
    client, _, _, _ = api
    post_signed(
        client, "/webhooks/meta", p.meta_comment(), "X-Hub-Signature-256", secret="meta-app-secret"
    )
    client.post("/v1/mentions", json=[{"id": "x"}], headers={"X-API-Key": "key-sol"})
    text = client.get("/metrics").text
    assert "escucha_in_flight_mentions 1.0" in text
    assert 'escucha_dead_letters{stage="ingest"} 1.0' in text
    assert "escucha_accepted_total 1.0" in text and "escucha_rejected_total 1.0" in text
    assert "escucha_accepted_to_stored_seconds_bucket" in text
    assert "process_resident_memory_bytes" in text


def test_a_campaign_collapses_to_one_row_with_its_size(api):
    client, _, _, database_url = api
    store = Store.from_url(database_url)
    campaign = "Boicot a Aerolíneas Sol: perdieron mi maleta y no responden"
    copies = [
        triaged(n, tenant="sol", text=campaign, created_at=f"2026-11-20T10:{n:02d}:00Z")
        for n in range(5)
    ]
    for copy in copies:
        copy.cluster_id = "sol:x:0"
    store.save([*copies, triaged(9, tenant="sol", text="¿Tienen vuelos a Lima en enero?")])
    store.dispose()
    key = {"X-API-Key": "key-sol"}
    plain = client.get("/v1/mentions", headers=key).json()
    collapsed = client.get("/v1/mentions", params={"collapse": True}, headers=key).json()
    assert len(plain) == 6
    assert [(m["id"], m["cluster_size"]) for m in collapsed] == [("sol:x:4", 5), ("sol:x:9", 1)]
