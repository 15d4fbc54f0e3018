"""1. The X challenge must not be a signing oracle for POST /webhooks/x."""

import json

from escucha.core import keys
from tests import platform_payloads as p
from tests.security.conftest import B_X_USER, make_api

TOKEN = "M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0"  # base64 of a UUID, as X sends


def forged_delete(user: str, tweet: str) -> bytes:
    payload = {"for_user_id": user, "tweet_delete_events": [{"status": {"id": tweet}}]}
    return json.dumps(payload).encode()


def test_a_json_body_cannot_be_signed_through_the_challenge(api):
    body = forged_delete(p.X_OWNER_ID, "1600000000000000001")
    answer = api.client.get("/webhooks/x", params={"crc_token": body.decode()})
    assert answer.status_code == 400 and "challenge token" in answer.json()["detail"]
    # What the oracle used to hand out, posted back: refused, nothing buried.
    forged = api.client.post(
        "/webhooks/x", content=body, headers={"x-twitter-webhooks-signature": "sha256=AAAA"}
    )
    assert forged.status_code == 403
    assert api.redis.zcard(keys.DELETED) == 0 and api.recorder.sent == []


def test_only_tokens_of_the_form_x_sends_are_answered(api):
    assert api.client.get("/webhooks/x", params={"crc_token": TOKEN}).status_code == 200
    for odd in ("abc", "x" * 200, "12345678901234567890", "a b c d e f g h i", '{"a":1}' * 4):
        answer = api.client.get("/webhooks/x", params={"crc_token": odd})
        assert answer.status_code in (400, 422), odd


def test_the_challenge_is_rate_limited_per_client(redis_client, redis_server, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url, unverified_rate_limit_per_minute=5):
        codes = [
            api.client.get("/webhooks/x", params={"crc_token": TOKEN}).status_code for _ in range(7)
        ]
        assert codes == [200] * 5 + [429, 429]


def test_a_real_delete_applies_only_to_the_tenant_that_owns_the_account(api):
    """Even signed by X itself, a delete for tenant B's account cannot touch tenant A."""
    answer = api.signed("/webhooks/x", None, forged_delete(B_X_USER, "1600000000000000001"))
    assert answer.status_code == 200 and answer.json()["deleted"] == 1
    assert api.recorder.ids_for("delete") == ["b:x:1600000000000000001"]
    assert api.redis.zscore(keys.DELETED, "a:x:1600000000000000001") is None


def test_with_only_the_oauth2_secret_no_empty_key_signs_anything(
    redis_client, redis_server, sqlite_url
):
    """A missing consumer secret once meant HMAC with an empty key: anyone could sign."""
    from escucha.channels.signatures import x_digest

    overrides = {"x_consumer_secret": None, "x_client_secret": "oauth2-secret"}
    for api in make_api(redis_server.url, sqlite_url, **overrides):
        body = json.dumps(p.x_account_activity()).encode()
        empty_key = {"x-twitter-webhooks-signature": x_digest("", body)}
        assert api.client.post("/webhooks/x", content=body, headers=empty_key).status_code == 401
        assert api.staged() == set()
        real = {"x-twitter-webhooks-signature-oauth2": x_digest("oauth2-secret", body)}
        assert api.client.post("/webhooks/x", content=body, headers=real).status_code == 200


def test_junk_from_the_same_address_cannot_make_x_challenge_fail(
    redis_client, redis_server, sqlite_url
):
    for api in make_api(redis_server.url, sqlite_url, unverified_rate_limit_per_minute=5):
        for _ in range(8):  # unsigned posts from this address: their own budget runs out
            api.client.post("/webhooks/x", content=b"{}")
        assert api.client.get("/webhooks/x", params={"crc_token": TOKEN}).status_code == 200
