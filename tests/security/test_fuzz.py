"""Fuzzing as a standing suite: hypothesis over the OpenAPI schema for every /v1 route, and
signed bodies for every webhook. Whatever arrives: no 5xx, every item taken is staged, every
refusal says where and why. Bounded (a few hundred requests each) to stay within CI's budget.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escucha.core import keys
from tests import platform_payloads as p
from tests.security.conftest import KEY_A, Api, make_api

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
junk = st.text(max_size=60) | st.sampled_from(["-", "+", "0", "\x00", "ñ", "9" * 30, "-1"])
dates = st.datetimes().map(lambda d: d.isoformat()) | st.sampled_from(
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-11-20", "253402300800"]
)


@pytest.fixture(scope="module")
def fuzzed(redis_server, tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'escucha.db'}"
    yield from make_api(redis_server.url, url, ingest_high_water=10**9)


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return _resolve(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], spec)
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    return _resolve(options[0], spec) if options else schema


def _strategy(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values of a parameter's schema, and values just outside it."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"]) | junk
    kind = schema.get("type")
    if kind == "integer":
        low, high = schema.get("minimum", -(10**6)), schema.get("maximum", 10**6)
        return st.integers(low - 3, high + 3).map(str) | junk
    if kind == "boolean":
        return st.sampled_from(["true", "false", "1", "0"]) | junk
    if schema.get("format") == "date-time":
        return dates | junk
    return st.text(max_size=schema.get("maxLength", 60) + 5) | junk


def _routes(api: Api) -> list[tuple[str, str, dict[str, Any]]]:
    spec = api.client.get("/openapi.json").json()
    return [
        (method, path, {
            parameter["name"]: _strategy(_resolve(parameter["schema"], spec))
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "query"
        })
        for path, operations in spec["paths"].items() if path.startswith("/v1/")
        for method, operation in operations.items()
    ]  # fmt: skip


def _check_taken(api: Api, answer: Any, items: int | None = None) -> None:
    """A 2xx answer: every id taken is staged (or superseded), every refusal has its reason."""
    result = answer.json()
    staged = (
        api.redis.exists(*(keys.staged("raw", i) for i in result["ids"])) if result["ids"] else 0
    )
    assert staged == len(set(result["ids"])), result
    assert all(r["location"] and r["reason"] for r in result["rejected"]), result
    if items is not None:
        taken = len(set(result["ids"])) + len(result["repeated"]) + len(result["superseded"])
        assert taken + len(result["rejected"]) == items, result


@FUZZ
@given(data=st.data())
def test_every_v1_route_answers_every_query_without_a_5xx(fuzzed, data):
    method, path, parameters = data.draw(st.sampled_from(_routes(fuzzed)))
    chosen = data.draw(st.fixed_dictionaries({}, optional=parameters))
    answer = fuzzed.client.request(method, path, params=chosen, headers=KEY_A)
    assert answer.status_code < 500, (method, path, chosen, answer.text)


mention_fields = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=210) | st.integers() | json_values,
        "source": st.sampled_from(["x", "web", "Bad Source!", ""]) | st.text(max_size=40),
        "text": st.text(max_size=300) | json_values,
        "author": st.text(max_size=210) | json_values,
        "created_at": dates | st.integers(-(10**13), 10**31) | json_values,
        "updated_at": dates | json_values,
        "author_followers": st.integers(-(10**31), 10**31) | json_values,
        "url": st.text(max_size=50) | json_values,
        "in_reply_to": st.text(max_size=260) | json_values,
        "tenant": st.text(max_size=10),
    },
)
good_mention = st.builds(
    lambda n, text: {
        "id": f"f{n}",
        "source": "web",
        "text": text or "hola",
        "author": "ana",
        "created_at": "2026-11-20T10:00:00Z",
    },
    st.integers(0, 10**6),
    st.text(min_size=1, max_size=80),
)


@FUZZ
@given(items=st.lists(good_mention | mention_fields | json_values, max_size=8))
def test_pushed_mentions_are_each_taken_or_refused_with_a_reason(fuzzed, items):
    answer = fuzzed.client.post("/v1/mentions", json=items, headers=KEY_A)
    assert answer.status_code in (202, 400, 413, 422), answer.text
    if answer.status_code == 202:
        _check_taken(fuzzed, answer, len(items))
        assert all(i.startswith("a:") for i in answer.json()["ids"])  # the key's tenant only


def _paths(value: Any, at: tuple = ()) -> list[tuple]:
    """Every node of a JSON value, as the keys and indexes that lead to it."""
    found = [at]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*at, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*at, index))
    return found


def _replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    head, *rest = path
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _replaced(value[head], tuple(rest), new)
    return copy


def _mutated(value: Any, data: st.DataObject) -> Any:
    """A valid payload with one to three of its nodes, chosen evenly, replaced by anything."""
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(value)))
        value = _replaced(value, path, data.draw(json_values))
    return value


WEBHOOKS = {
    "/webhooks/meta": [p.meta_comment(), p.instagram_comment(), p.meta_comment(verb="remove")],
    "/webhooks/x": [p.x_account_activity(), p.x_v2() | {"for_user_id": p.X_OWNER_ID}],
    "/webhooks/mastodon": [p.mastodon_event()],
}


@settings(FUZZ, max_examples=800)
@given(data=st.data())
def test_signed_webhook_bodies_of_any_shape_never_5xx(fuzzed, data):
    path = data.draw(st.sampled_from(sorted(WEBHOOKS)))
    base = data.draw(st.sampled_from(WEBHOOKS[path]))
    payload = _mutated(base, data) if data.draw(st.integers(0, 9)) else data.draw(json_values)
    answer = fuzzed.signed(path, payload, json.dumps(payload).encode())
    assert answer.status_code in (200, 400, 413, 429), answer.text
    if answer.status_code == 200 and not answer.json().get("duplicate"):
        _check_taken(fuzzed, answer)
    elif answer.status_code == 400:
        assert answer.json()["detail"]
