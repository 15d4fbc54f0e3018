"""One noisy tenant cannot starve the others: real API, real workers, real Redis and store.

Tenant A floods past its own limits (requests per minute and mentions in flight) and is told
429 with Retry-After; tenant B's mentions, sent meanwhile, are all accepted and reach the store
about as fast as when the pipeline is quiet. Figures are compared within this one run.
"""

import statistics
import threading
import time
from collections import Counter

import httpx
import pytest

from config.settings import Settings
from escucha.core.tenant import Limits, Tenant
from escucha.store.tenants import Tenants
from escucha.web.app import create_app
from tests.api_server import serving
from tests.pipeline_helpers import worker_stack

A_IN_FLIGHT = 200
A_PER_MINUTE = 40
SAMPLES = 8


def item(tenant: str, n: int) -> dict:
    return {"id": f"{tenant}{n}", "source": "web", "author": f"c{n % 50}",
            "created_at": "2026-11-22T10:00:00Z",
            "text": f"Pedido {n} sin entregar y nadie contesta"}  # fmt: skip


@pytest.fixture(scope="module")
def api(tmp_path_factory, redis_server):
    from workers.resources import dispatch

    root = tmp_path_factory.mktemp("noisy")
    with worker_stack(redis_server.url, root, 100, {}) as (_, _ctx, store, env):
        tenants = Tenants(store.engine)
        tenants.put(Tenant(id="a", limits=Limits(requests_per_minute=A_PER_MINUTE,
                                                 in_flight=A_IN_FLIGHT)))  # fmt: skip
        tenants.put(Tenant(id="b"))
        settings = Settings(redis_url=env["REDIS_URL"], database_url=env["DATABASE_URL"],
                            api_keys={"key-a": "a", "key-b": "b"})  # fmt: skip
        with serving(create_app(settings, dispatch)) as url, httpx.Client(base_url=url) as client:
            yield client, store


def latency_of_b(client: httpx.Client, store, n: int) -> float:
    """Seconds from B's push to its mention being in the store."""
    started = time.monotonic()
    answer = client.post("/v1/mentions", json=[item("b", n)], headers={"X-API-Key": "key-b"})
    assert answer.status_code == 202, answer.text
    while store.get(f"b:web:b{n}") is None:
        assert time.monotonic() - started < 60, f"b{n} not stored within 60 s"
        time.sleep(0.01)
    return time.monotonic() - started


def test_a_floods_past_its_limits_and_b_keeps_its_latency(api):
    client, store = api
    quiet = [latency_of_b(client, store, n) for n in range(SAMPLES)]

    answers: Counter[int] = Counter()
    reasons: set[str] = set()
    stop = threading.Event()

    def flood() -> None:
        n = 0
        with httpx.Client(base_url=str(client.base_url)) as own:
            while not stop.is_set():
                batch = [item("a", n + k) for k in range(100)]
                answer = own.post("/v1/mentions", json=batch, headers={"X-API-Key": "key-a"})
                answers[answer.status_code] += 1
                if answer.status_code == 429:
                    assert int(answer.headers["Retry-After"]) >= 1
                    reasons.add(answer.json()["detail"].split(" ")[0])
                n += 100

    flooding = threading.Thread(target=flood)
    flooding.start()
    try:
        time.sleep(1.0)  # let A fill its allowance first
        loud = [latency_of_b(client, store, n) for n in range(100, 100 + SAMPLES)]
    finally:
        stop.set()
        flooding.join(30)

    alone, flooded = statistics.median(quiet), statistics.median(loud)
    print(f"\nB median latency: {alone * 1000:.0f} ms alone, {flooded * 1000:.0f} ms while A "
          f"floods; A's answers {dict(answers)}, refused for {sorted(reasons)}")  # fmt: skip
    assert answers[429] > 0 and answers[202] > 0
    # A is held to its allowance, so B waits behind at most A_IN_FLIGHT of A's mentions: a
    # fraction of a second at this pipeline's speed, where the whole flood would take minutes.
    assert flooded <= 3 * alone + 1.0, (quiet, loud)
