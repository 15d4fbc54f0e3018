"""Assigning stored cases: the policy's choice taken under concurrency, on real PostgreSQL
transactions, never over an agent's capacity nor one case to two agents."""

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest

from escucha.care.casebook import Casebook
from escucha.care.lifecycle import Status
from escucha.core.tenant import Tenant
from escucha.store.agents import AgentRecord, Agents
from escucha.store.cases import CaseFilter, Cases
from escucha.store.migrate import upgrade
from escucha.store.store import Store
from escucha.store.tenants import Tenants
from tests.factories import triaged

pytestmark = pytest.mark.postgres
ACME = Tenant(id="acme", timezone="Europe/Madrid", hours="24/7", languages=["es", "en"])
NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)
COMPLAINT = "@aerosol el pedido no llega y nadie contesta"


@pytest.fixture
def world(database_url):
    upgrade(database_url)
    store = Store.from_url(database_url)
    Tenants(store.engine).put(ACME)
    agents = Agents(store.engine)
    yield store, agents
    store.dispose()


def open_cases(store, count, lang_text=COMPLAINT):
    mentions = [triaged(n, config=ACME, tenant="acme", author=f"c{n}", text=lang_text,
                        created_at=NOW.isoformat()) for n in range(count)]  # fmt: skip
    store.save(mentions)
    return [m.triage.case_key for m in mentions]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_concurrent_assigners_never_push_an_agent_over_capacity(world):
    store, agents = world
    agents.add("acme", AgentRecord("ana", "Ana", "ana@acme.es", ("es",), 3, None))
    agents.add("acme", AgentRecord("ben", "Ben", "ben@acme.es", ("es",), 2, None))
    ids = open_cases(store, 12)
    start = threading.Barrier(8)
    errors = []

    def assigner(seed):
        cases = Cases(store.engine)
        order = random.Random(seed).sample(ids, len(ids))
        start.wait()
        try:
            for case_id in order:
                cases.take("acme", case_id, "ana" if seed % 2 else "ben",
                           3 if seed % 2 else 2, NOW)  # fmt: skip
        except Exception as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=assigner, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    cases = Cases(store.engine)
    assert cases.loads("acme") == {"ana": 3, "ben": 2}
    assigned = [c for c in cases.listing("acme", CaseFilter(limit=100)) if c.assignee]
    assert len(assigned) == 5  # five cases, each held by exactly one agent


def test_the_waiting_queue_goes_to_present_speakers_and_each_decision_is_logged(world):
    store, agents = world
    agents.add("acme", AgentRecord("ana", "Ana", "ana@acme.es", ("es",), 1, None))
    agents.add("acme", AgentRecord("eve", "Eve", "eve@acme.es", ("en",), 5, None))
    ids = open_cases(store, 2)
    seen = {"ana": NOW - timedelta(seconds=30), "eve": NOW}
    book = Casebook(Cases(store.engine), lambda _: ACME, agents=agents,
                    presence=lambda _: seen)  # fmt: skip
    book.refresh(ids, NOW)
    decisions = dict(book.assign_waiting("acme", NOW))
    chosen = [case_id for case_id, d in decisions.items() if d.agent == "ana"]
    assert len(chosen) == 1 and "speaks es" in decisions[chosen[0]].reason
    waiting = next(case_id for case_id in ids if case_id not in chosen)
    assert decisions[waiting].agent is None and "at capacity" in decisions[waiting].reason
    book.assign_waiting("acme", NOW + timedelta(seconds=20))  # the same decision: logged once
    logged = [e.data for e in book.cases.events(waiting) if e.kind == "assignment"]
    assert logged == [{"agent": None, "reason": decisions[waiting].reason}]
    book.change_status("acme", chosen[0], Status.resolved, "ana", NOW + timedelta(minutes=1))
    book.assign_waiting("acme", NOW + timedelta(minutes=1))  # capacity freed: the queue drains
    assert book.cases.get("acme", waiting).assignee == "ana"


def test_a_person_assigns_within_their_tenant_only(world):
    store, agents = world
    agents.add("acme", AgentRecord("ana", "Ana", "ana@acme.es", ("es",), 1, None))
    (case_id,) = open_cases(store, 1)
    book = Casebook(Cases(store.engine), lambda _: ACME, agents=agents)
    book.assign("acme", case_id, "ana", "admin", NOW)
    assert book.cases.get("acme", case_id).assignee == "ana"
    with pytest.raises(KeyError):
        book.assign("acme", case_id, "nobody", "admin", NOW)
    with pytest.raises(KeyError):
        book.assign("beta", case_id, "ana", "admin", NOW)
