"""7, 9, 12. Bad input gets a clear 4xx (or its item is refused with index and reason) and
never a 500; what is accepted can be stored."""

import json

import pytest

from escucha.store.store import Store
from tests import platform_payloads as p
from tests.factories import triaged
from tests.security.conftest import KEY_A

GOOD = {"id": "g1", "source": "web", "text": "¿Dónde está mi pedido?", "author": "ana",
        "created_at": "2026-11-20T10:00:00Z"}  # fmt: skip
DEEP = ("[" * 1000 + "]" * 1000).encode()
POSTS = ["/webhooks/meta", "/webhooks/x", "/webhooks/mastodon", "/v1/mentions"]


@pytest.mark.parametrize("path", POSTS)
def test_json_nested_a_thousand_deep_is_a_400(api, path):
    answer = (
        api.client.post(path, content=DEEP, headers=KEY_A)
        if path == "/v1/mentions"
        else (api.signed(path, None, DEEP))
    )
    assert answer.status_code == 400 and "nested" in answer.json()["detail"]


@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", 253402300800, 10**30]
)
def test_a_bad_date_refuses_its_item_and_keeps_the_rest(api, when):
    items = [GOOD, GOOD | {"id": "g2", "created_at": when}]
    answer = api.client.post("/v1/mentions", json=items, headers=KEY_A)
    assert answer.status_code == 202, answer.text
    result = answer.json()
    assert result["ids"] == ["a:web:g1"]
    (refused,) = result["rejected"]
    assert refused["location"] == "request item 1" and refused["reason"].startswith("created_at")


@pytest.mark.parametrize("param", ["since", "until"])
@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_query_date_out_of_range_is_a_422(api, param, when):
    answer = api.client.get("/v1/mentions", params={param: when}, headers=KEY_A)
    assert answer.status_code == 422 and "out of range" in answer.text


@pytest.mark.parametrize(
    "after", ["-", "+", "abc", "1-2-3", "9" * 50, "99999999999999999999", "1-99999999999999999999"]
)
def test_events_after_a_non_id_is_a_422(api, after):
    answer = api.client.get("/v1/events", params={"after": after}, headers=KEY_A)
    assert answer.status_code == 422


@pytest.mark.parametrize(
    "after", ["18446744073709551615-18446744073709551615", "18446744073709551615"]
)
def test_events_after_the_last_possible_id_are_none(api, after):
    answer = api.client.get("/v1/events", params={"after": after}, headers=KEY_A)
    assert (answer.status_code, answer.json()) == (200, [])


def test_a_non_ascii_signature_header_is_a_401(api):
    body = json.dumps(p.meta_comment()).encode()
    answer = api.client.post(
        "/webhooks/meta", content=body, headers={"X-Hub-Signature-256": "sha256=ñandú".encode()}
    )
    assert answer.status_code == 401 and "ASCII" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("path", "payload", "status"),
    [
        ("/webhooks/meta", {"object": "page", "entry": "abc"}, 400),
        ("/webhooks/meta", [], 400),
        (
            "/webhooks/meta",
            {"object": "page", "entry": [{"id": p.PAGE_ID, "changes": [None]}]},
            200,
        ),
        ("/webhooks/meta", {"object": "page", "entry": [{"id": p.PAGE_ID, "changes": "x"}]}, 200),
        ("/webhooks/meta", {"object": "page", "entry": [None, 3]}, 200),
        ("/webhooks/x", {"for_user_id": p.X_OWNER_ID, "tweet_create_events": "x"}, 400),
        ("/webhooks/x", {"for_user_id": p.X_OWNER_ID, "tweet_create_events": [None]}, 200),
        ("/webhooks/x", {"data": "text"}, 400),
        ("/webhooks/x", {"data": {"event_type": "post.delete", "payload": 3}}, 200),
        ("/webhooks/mastodon", {"event": "status.created", "object": "x"}, 200),
        ("/webhooks/mastodon", "just a string", 400),
    ],
)
def test_signed_bodies_of_the_wrong_shape_are_refused_with_a_reason(api, path, payload, status):
    answer = api.signed(path, payload)
    assert answer.status_code == status, answer.text
    if status == 400:
        assert answer.json()["detail"].startswith(f"not a {path.rsplit('/', 1)[1]} delivery")
    else:
        rejected = answer.json()["rejected"]
        assert rejected and all(r["location"] and r["reason"] for r in rejected)
    assert api.staged() == set()


def test_followers_past_what_a_store_holds_are_refused_at_the_door(api):
    answer = api.client.post(
        "/v1/mentions", json=[GOOD | {"author_followers": 10**30}], headers=KEY_A
    )
    assert (
        answer.json()["ids"] == [] and "author_followers" in answer.json()["rejected"][0]["reason"]
    )


def test_what_is_accepted_is_stored(api):
    """The door's limits are the store's: the longest accepted values fit on every store."""
    from tests.factories import raw

    longest = raw(
        1, id="9" * 200, author="a" * 200, author_followers=2**31 - 1, url="u" * 2048,
        in_reply_to="x:" + "1" * 200, tenant="t" * 32, source="s" * 32,
    )  # fmt: skip
    from escucha.core.models import StagedMention
    from escucha.pipeline.ingest import Row, validate

    assert isinstance(validate(Row(longest)), StagedMention)
    store = Store.from_url(api.database_url)
    mention = triaged(1, **{k: v for k, v in longest.items() if k != "id"}, id="9" * 200)
    store.save([mention])
    assert store.get(mention.id) is not None
    store.dispose()


def test_search_with_a_nul_is_refused_and_text_with_one_is_cleaned(api):
    assert api.client.get("/v1/mentions", params={"q": "a\x00b"}, headers=KEY_A).status_code == 422
    answer = api.client.post(
        "/v1/mentions", json=[GOOD | {"text": "hola\x00 mundo"}], headers=KEY_A
    )
    assert answer.json()["ids"] == ["a:web:g1"]


def test_pages_go_past_500_rows_with_a_cursor(api):
    store = Store.from_url(api.database_url)
    store.save([
        triaged(n, tenant="a", text=f"mensaje {n}", created_at=f"2026-11-20T10:{n % 60:02d}:00Z")
        for n in range(1200)
    ])  # fmt: skip
    store.dispose()
    seen, params = [], {"limit": 500}
    while True:
        answer = api.client.get("/v1/mentions", params=params, headers=KEY_A)
        assert answer.status_code == 200
        seen += [m["id"] for m in answer.json()]
        cursor = answer.headers.get("X-Next-Cursor")
        if not cursor:
            break
        assert 'rel="next"' in answer.headers["Link"]
        params = {"limit": 500, "cursor": cursor}
    assert len(seen) == len(set(seen)) == 1200
    bad = api.client.get("/v1/mentions", params={"cursor": "not-a-cursor"}, headers=KEY_A)
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("header", "status"),
    [("Bearer key-a", 200), ("bearer key-a", 200), ("BEARER key-a", 200), ("key-a", 401),
     ("Basic key-a", 401), ("Bearer", 401), ("Bearer wrong", 403)],
)  # fmt: skip
def test_authorization_follows_rfc_6750(api, header, status):
    answer = api.client.get("/v1/channels", headers={"Authorization": header})
    assert answer.status_code == status, answer.text
    if status == 401:
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.postgres
def test_nul_anywhere_in_a_query_is_a_422_on_both_stores(redis_client, redis_server, database_url):
    import base64

    from tests.security.conftest import make_api

    cursor = base64.urlsafe_b64encode(
        json.dumps(["2026-01-01T00:00:00+00:00", "a\x00"]).encode()
    ).decode()
    for api in make_api(redis_server.url, database_url):
        for params in ({"source": "\x00"}, {"q": "a\x00"}, {"cursor": cursor}):
            answer = api.client.get("/v1/mentions", params=params, headers=KEY_A)
            assert answer.status_code == 422, (params, answer.text)
