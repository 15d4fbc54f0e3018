"""2, 3. Tenants never see or overwrite each other: ids, deletes, channels, events."""

import json

from escucha.channels.health import ChannelHealth
from escucha.core import keys
from escucha.store.store import Store
from tests import platform_payloads as p
from tests.factories import triaged
from tests.security.conftest import B_PAGE, KEY_A, KEY_B

ITEM = {"id": "C1", "source": "x", "text": "mi pedido no llegó", "author": "ana",
        "created_at": "2026-11-20T10:00:00Z"}  # fmt: skip


def test_the_same_post_id_from_two_tenants_is_two_mentions(api):
    ours = api.client.post("/v1/mentions", json=[ITEM], headers=KEY_A).json()["ids"]
    theirs = api.client.post("/v1/mentions", json=[ITEM | {"text": "otro"}], headers=KEY_B)
    assert ours == ["a:x:C1"] and theirs.json()["ids"] == ["b:x:C1"]
    assert api.staged() == {"a:x:C1", "b:x:C1"}


def test_a_remove_from_an_unmapped_page_deletes_nothing_and_is_counted(api):
    stranger = p.meta_comment(verb="remove")
    stranger["entry"][0]["id"] = "999999"
    answer = api.signed("/webhooks/meta", stranger)
    assert answer.status_code == 200
    result = answer.json()
    assert result["deleted"] == 0 and "belongs to no tenant" in result["rejected"][0]["reason"]
    assert api.redis.zcard(keys.DELETED) == 0 and api.recorder.ids_for("delete") == []
    (endpoint,) = ChannelHealth(api.redis).report("*")
    assert endpoint.unmapped == 1 and endpoint.last_unmapped == "meta:999999"
    assert endpoint.consecutive_errors == 1  # a delivery of which nothing was taken


def test_a_remove_from_tenant_b_page_cannot_reach_tenant_a(api):
    removal = p.meta_comment(verb="remove")
    removal["entry"][0]["id"] = B_PAGE
    assert api.signed("/webhooks/meta", removal).json()["deleted"] == 1
    assert api.recorder.ids_for("delete") == ["b:facebook:777_888"]


def test_channels_and_events_are_scoped_to_the_key(api):
    assert api.signed("/webhooks/meta", p.meta_comment()).status_code == 200  # tenant a
    api.signed("/webhooks/meta", p.meta_comment(verb="remove"))  # a's delete request
    store = Store.from_url(api.database_url)
    store.save([triaged(1, tenant="a", text="hola"), triaged(2, tenant="b", text="hola")])
    store.dispose()
    from escucha.pipeline.deletion import apply_deletes

    apply_deletes(api.redis, Store.from_url(api.database_url), ["a:x:1", "b:x:2"])
    channels_a = api.client.get("/v1/channels", headers=KEY_A).json()
    channels_b = api.client.get("/v1/channels", headers=KEY_B).json()
    assert {(c["tenant"], c["name"]) for c in channels_a} == {("a", "meta")}
    assert channels_b == []
    events_a = api.client.get("/v1/events", headers=KEY_A).json()
    events_b = api.client.get("/v1/events", headers=KEY_B).json()
    assert [e["mention_id"] for e in events_a] == ["a:x:1"]
    assert [e["mention_id"] for e in events_b] == ["b:x:2"]
    # Resuming after another tenant's event id shows nothing of theirs either.
    after = api.client.get("/v1/events", params={"after": events_a[0]["event_id"]}, headers=KEY_B)
    assert all(e["mention_id"].startswith("b:") for e in after.json())


def test_search_never_crosses_tenants(api):
    store = Store.from_url(api.database_url)
    store.save([triaged(1, tenant="a", text="maleta perdida"), triaged(1, tenant="b",
                text="maleta perdida")])  # fmt: skip
    store.dispose()
    found = api.client.get("/v1/mentions", params={"q": "maleta"}, headers=KEY_B).json()
    assert [m["id"] for m in found] == ["b:x:1"]
    sneaky = api.client.get("/v1/mentions", params={"tenant": "a"}, headers=KEY_B).json()
    assert {m["tenant"] for m in sneaky} == {"b"}
    assert json.dumps(sneaky).count('"tenant": "a"') == 0


def test_one_instance_secret_cannot_write_another_instance_statuses(
    redis_client, redis_server, sqlite_url
):
    from escucha.channels.signatures import sign_hex
    from tests.security.conftest import ACCOUNTS, make_api

    overrides = {
        "mastodon_webhook_secrets": {"b.example": "b-secret"},
    }
    accounts = ACCOUNTS | {"mastodon:b.example": "b"}
    for api in make_api(redis_server.url, sqlite_url, accounts, **overrides):
        body = json.dumps(p.mastodon_event()).encode()  # a status of mastodon.social (tenant a)
        answer = api.client.post(
            "/webhooks/mastodon/b.example",
            content=body,
            headers={"X-Hub-Signature": sign_hex(body, "b-secret")},
        )
        assert answer.status_code == 200 and answer.json()["ids"] == []
        assert "delivered by the webhook of b.example" in answer.json()["rejected"][0]["reason"]
        assert api.staged() == set()


def test_one_tenants_backlog_does_not_stop_the_others(redis_client, redis_server, sqlite_url):
    from tests.security.conftest import make_api

    items = [ITEM | {"id": f"q{n}"} for n in range(50)]
    for api in make_api(redis_server.url, sqlite_url, ingest_high_water=100):
        assert api.client.post("/v1/mentions", json=items, headers=KEY_A).status_code == 202
        more = api.client.post("/v1/mentions", json=[ITEM | {"id": "q99"}], headers=KEY_A)
        assert more.status_code == 429 and "its share" in more.json()["detail"]
        theirs = api.client.post("/v1/mentions", json=[ITEM], headers=KEY_B)
        assert theirs.status_code == 202  # b has room of its own
        page_b = p.meta_comment("5_5")
        page_b["entry"][0]["id"] = B_PAGE
        assert api.signed("/webhooks/meta", page_b).json()["ids"] == ["b:facebook:5_5"]
