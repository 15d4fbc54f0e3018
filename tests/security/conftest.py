"""The API as an attacker and a careless client meet it: two tenants, every channel
configured, a real Redis and store, served over a real socket on loopback.

`pytest -m security` runs this suite alone; `make test` runs it with the rest.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis

from config.settings import Settings
from escucha.channels.signatures import sign_hex, x_digest
from escucha.core import keys
from escucha.store.migrate import upgrade
from escucha.web.app import create_app
from tests import platform_payloads as p
from tests.api_server import serving
from tests.factories import own_accounts
from tests.pipeline_helpers import Recorder

SECRETS = {
    "meta_app_secret": "meta-app-secret",
    "meta_verify_token": "verify-me",
    "x_consumer_secret": "x-consumer-secret",
    "mastodon_webhook_secret": "masto-secret",
    "api_keys": {"key-a": "a", "key-b": "b"},
}
B_PAGE, B_X_USER = "2000000002", "66600022"
ACCOUNTS = {
    f"meta:{p.PAGE_ID}": "a",
    f"meta:{p.IG_ACCOUNT_ID}": "a",
    f"x:{p.X_OWNER_ID}": "a",
    "mastodon:mastodon.social": "a",
    f"meta:{B_PAGE}": "b",
    f"x:{B_X_USER}": "b",
}
KEY_A, KEY_B = {"X-API-Key": "key-a"}, {"X-API-Key": "key-b"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/security" in str(item.path):
            item.add_marker(pytest.mark.security)


@dataclass
class Api:
    client: httpx.Client
    recorder: Recorder
    redis: redis.Redis
    database_url: str

    def signed(self, path: str, payload: Any, body: bytes | None = None) -> httpx.Response:
        """A delivery signed as its platform signs it."""
        body = body if body is not None else json.dumps(payload).encode()
        if path.startswith("/webhooks/x"):
            header = {"x-twitter-webhooks-signature": x_digest("x-consumer-secret", body)}
        elif path.startswith("/webhooks/mastodon"):
            header = {"X-Hub-Signature": sign_hex(body, "masto-secret")}
        else:
            header = {"X-Hub-Signature-256": sign_hex(body, "meta-app-secret")}
        return self.client.post(path, content=body, headers=header)

    def staged(self) -> set[str]:
        prefix = len(keys.staged("raw", ""))
        return {k.decode()[prefix:] for k in self.redis.scan_iter(keys.staged("raw", "*"))}


def make_api(
    redis_url: str, database_url: str, accounts: dict[str, str] = ACCOUNTS, **overrides: Any
) -> Iterator[Api]:
    upgrade(database_url)
    own_accounts(database_url, accounts)
    recorder = Recorder()
    settings = Settings(redis_url=redis_url, database_url=database_url, **(SECRETS | overrides))
    with (
        serving(create_app(settings, recorder)) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield Api(client, recorder, redis.Redis.from_url(redis_url), database_url)


@pytest.fixture
def api(redis_client, redis_server, sqlite_url) -> Iterator[Api]:
    yield from make_api(redis_server.url, sqlite_url)
