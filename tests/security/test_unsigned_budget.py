"""8. Anonymous junk is counted per client address and never spends a platform's budget."""

import json

from tests import platform_payloads as p
from tests.security.conftest import make_api


def test_unsigned_requests_never_block_the_next_signed_delivery(
    redis_client, redis_server, sqlite_url
):
    for api in make_api(
        redis_server.url, sqlite_url, rate_limit_per_minute=5, unverified_rate_limit_per_minute=10
    ):
        body = json.dumps(p.meta_comment()).encode()
        junk = [api.client.post("/webhooks/meta", content=body).status_code for _ in range(30)]
        assert junk[:10] == [401] * 10 and set(junk[10:]) == {429}  # the junk's own limit
        assert api.signed("/webhooks/meta", p.meta_comment()).status_code == 200
        wrong_keys = [
            api.client.get("/v1/channels", headers={"X-API-Key": "guess"}).status_code
            for _ in range(3)
        ]
        assert wrong_keys == [429] * 3  # the same address, the same budget for proving nothing
        for n in range(4):  # the platform's own budget is untouched by all of that
            answer = api.signed("/webhooks/meta", p.meta_comment(f"1_{n}"))
            assert answer.status_code == 200, answer.text
        assert api.signed("/webhooks/meta", p.meta_comment("1_9")).status_code == 429
