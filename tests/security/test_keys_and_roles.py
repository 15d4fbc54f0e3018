"""API keys made by `escucha key`: kept hashed, scoped to a tenant, gated by role, revocable."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine, text

from escucha.core import access
from escucha.core.access import Need, Role
from escucha.core.tenant import Tenant
from escucha.store.api_keys import ApiKeys
from escucha.store.migrate import upgrade
from escucha.store.tenants import Tenants
from escucha.web.key_cache import KeyCache
from tests.security.conftest import make_api

MENTION = {"id": "k1", "source": "x", "text": "hola", "author": "ana",
           "created_at": "2026-11-20T10:00:00Z"}  # fmt: skip


@pytest.fixture
def keyed(redis_client, redis_server, sqlite_url):
    upgrade(sqlite_url)
    engine = create_engine(sqlite_url)
    tenants, made = Tenants(engine), ApiKeys(engine)
    for tenant in ("a", "b"):
        tenants.put(Tenant(id=tenant))
    keys = {role: made.create("a", role, f"{role} key") for role in Role}
    for api in make_api(redis_server.url, sqlite_url, api_key_cache_s=0.2):
        yield api, keys, made, engine
    engine.dispose()


def test_only_a_hash_of_each_key_is_stored(keyed):
    _, keys, _, engine = keyed
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM api_keys")).mappings().all()
    stored = " ".join(str(value) for row in rows for value in row.values())
    for record, key in keys.values():
        _, secret = access.parse(key) or ("", "")
        assert secret not in stored and key not in stored
        assert record.digest == access.digest(secret) and record.digest in stored


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_only_its_endpoints(keyed, role):
    api, keys, _, _ = keyed
    headers = {"X-API-Key": keys[role][1]}
    pushed = api.client.post("/v1/mentions", json=[MENTION], headers=headers)
    reads = [api.client.get(path, headers=headers)
             for path in ("/v1/mentions", "/v1/channels", "/v1/events")]  # fmt: skip
    assert pushed.is_success == access.permits(role, Need.ingest), pushed.text
    for read in reads:
        assert read.is_success == access.permits(role, Need.read), read.text
    refused = [r for r in (pushed, *reads) if r.status_code == 403]
    for response in refused:
        assert f"this key's role is {role.value}; this needs" in response.json()["detail"]


def test_a_key_sees_only_its_tenant(keyed):
    api, keys, made, _ = keyed
    _, key_b = made.create("b", Role.admin)
    key_a = {"X-API-Key": keys[Role.admin][1]}
    assert api.client.post("/v1/mentions", json=[MENTION], headers=key_a).is_success
    seen_by_a = api.client.get("/v1/channels", headers=key_a).json()
    seen_by_b = api.client.get("/v1/channels", headers={"X-API-Key": key_b}).json()
    assert seen_by_a and all(c["tenant"] == "a" for c in seen_by_a), seen_by_a
    assert all(c["tenant"] == "b" for c in seen_by_b), seen_by_b


def test_a_revoked_key_is_refused_within_the_cache_time(keyed):
    api, keys, made, _ = keyed
    record, key = keys[Role.read]
    headers = {"X-API-Key": key}
    assert api.client.get("/v1/channels", headers=headers).status_code == 200
    assert made.revoke(record.id) is True and made.revoke(record.id) is False
    deadline = time.monotonic() + 5
    while api.client.get("/v1/channels", headers=headers).status_code == 200:
        assert time.monotonic() < deadline, "a revoked key was still taken after 5 s"
        time.sleep(0.05)
    refused = api.client.get("/v1/channels", headers=headers)
    assert refused.status_code == 403 and "revoked" in refused.json()["detail"]


def test_a_forged_or_mangled_key_is_refused(keyed):
    api, keys, _, _ = keyed
    _, key = keys[Role.admin]
    key_id = access.parse(key)[0]  # type: ignore[index]
    forged = f"{access.PREFIX}_{key_id}_{'A' * 43}"
    for attempt in (forged, key[:-1], key + "x", "esk_nothing"):
        response = api.client.get("/v1/channels", headers={"X-API-Key": attempt})
        assert response.status_code == 403, attempt


def test_the_key_cache_rereads_a_record_once_its_time_is_up(sqlite_url):
    upgrade(sqlite_url)
    engine = create_engine(sqlite_url)
    made = ApiKeys(engine)
    record, _ = made.create("a", Role.read)
    now = [100.0]
    cache = KeyCache(made, ttl_s=5.0, clock=lambda: now[0])
    assert cache.find(record.id).revoked_at is None  # type: ignore[union-attr]
    made.revoke(record.id)
    now[0] += 4.9
    assert cache.find(record.id).revoked_at is None  # type: ignore[union-attr]
    now[0] += 0.1
    assert cache.find(record.id).revoked_at is not None  # type: ignore[union-attr]
    engine.dispose()
