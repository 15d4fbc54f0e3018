"""Issue 14's property: with two tenants and a key each, no GET response to one key holds the
other's data, whatever the endpoint and filters."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escucha.channels.health import ChannelHealth
from escucha.pipeline import events
from escucha.store.agents import AgentRecord, Agents
from escucha.store.queries import MentionFilter
from escucha.store.store import Store, make_engine
from tests.factories import triaged
from tests.security.conftest import KEY_A, KEY_B, make_api

TEXTS = ["mi pedido no llegó", "gracias por todo", "¿a qué hora abren?", "quiero mi reembolso"]
# Both tenants hold the same texts, sources and times: only the tenant tells them apart.
MENTIONS = [
    triaged(
        n,
        tenant=tenant,
        text=TEXTS[n % 4],
        source=("x", "facebook")[n % 2],
        created_at=f"2026-11-2{n % 5}T10:00:00+00:00",
    )
    for tenant in ("a", "b")
    for n in range(12)
]


@pytest.fixture(scope="module")
def two_tenants(tmp_path_factory, redis_server):
    url = f"sqlite:///{tmp_path_factory.mktemp('iso') / 'escucha.db'}"
    for api in make_api(redis_server.url, url):
        api.redis.flushdb()
        store = Store.from_url(url)
        store.save(MENTIONS)
        store.dispose()
        health = ChannelHealth(api.redis)
        agents = Agents(make_engine(url))
        for tenant in ("a", "b"):
            agents.add(tenant, AgentRecord(f"{tenant}-agent", "Ana", f"ana@{tenant}.example",
                                           ("es",), 3, None))  # fmt: skip
            health.event(tenant, "meta", 1)
            events.publish(api.redis, tenant, "mention.deleted", mention_id=f"{tenant}:x:1")
        yield api


FILTERS = {
    "q": st.sampled_from(["pedido", "gracias", "reembolso", "a", "b", ""]),
    "source": st.sampled_from(["x", "facebook", "b", "a"]),
    "sentiment": st.sampled_from(["negative", "neutral", "positive"]),
    "intent": st.sampled_from(["complaint", "claim", "question", "praise", "other"]),
    "since": st.sampled_from(["2026-11-20T00:00:00Z", "2026-11-23T00:00:00Z"]),
    "until": st.sampled_from(["2026-11-22T00:00:00Z", "2026-12-01T00:00:00Z"]),
    "limit": st.integers(1, 30),
    "collapse": st.booleans(),
    "relevant": st.booleans(),
    "sort": st.sampled_from(["newest", "relevance"]),
}
filters = st.fixed_dictionaries({}, optional=FILTERS)


def test_the_property_draws_every_filter_the_api_takes():
    assert set(FILTERS) | {"cursor"} == set(MentionFilter.model_fields)  # cursor: `follow`


def _leaks(body: object, other: str) -> list[str]:
    """Every id, mention id or tenant in a response that belongs to the other tenant."""
    text = json.dumps(body)
    found = []
    for item in body if isinstance(body, list) else [body]:
        if isinstance(item, dict):
            for field in ("id", "mention_id", "cluster_id", "case_id"):
                if str(item.get(field, "")).startswith(f"{other}:"):
                    found.append(f"{field}={item[field]}")
            if item.get("tenant") == other:
                found.append(f"tenant={other}")
    if f'"{other}:' in text:
        found.append("an id of the other tenant somewhere in the body")
    return found


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key=st.sampled_from([("a", KEY_A), ("b", KEY_B)]),
    path=st.sampled_from(["/v1/mentions", "/v1/channels", "/v1/events", "/v1/agents"]),
    query=filters,
    follow=st.booleans(),
)
def test_no_get_shows_one_tenant_the_others_data(two_tenants, key, path, query, follow):
    (mine, headers), other = key, "b" if key[0] == "a" else "a"
    params = query if path == "/v1/mentions" else {}
    response = two_tenants.client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert not _leaks(response.json(), other), (path, params)
    cursor = response.headers.get("X-Next-Cursor")
    if follow and cursor:
        page = two_tenants.client.get(path, params={**params, "cursor": cursor}, headers=headers)
        assert page.status_code == 200 and not _leaks(page.json(), other)
    if not params:  # a control: the detector finds this tenant's own data in the same answer
        assert _leaks(response.json(), mine), f"tenant {mine} sees none of its own {path}"
