"""Editing a tenant's SLA policy numbers it anew and re-projects its running cases; a due time
the new rules move is kept on the case, with the rules before and after (where Zammad admits
"recalculation after SLA change won't happen")."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from escucha.care.casebook import Casebook
from escucha.core.models import as_utc
from escucha.core.sla_policy import SlaPolicy, Target, TargetSpec, versioned
from escucha.core.tenant import Tenant
from escucha.store.cases import Cases
from escucha.store.migrate import upgrade
from escucha.store.store import Store
from escucha.store.tenants import Tenants
from tests.factories import triaged


def policy(name: str, minutes: int, version: int = 1) -> SlaPolicy:
    return SlaPolicy(name=name, version=version,
                     targets={Target.first_response: TargetSpec(minutes=minutes)})  # fmt: skip


def test_an_edited_policy_takes_the_next_version_and_an_unchanged_one_keeps_its_own():
    before = (policy("quejas", 30, version=3), policy("resto", 240))
    after = (policy("quejas", 60), policy("resto", 240), policy("nueva", 10))
    assert [p.label for p in versioned(before, after)] == ["quejas@v4", "resto@v1", "nueva@v1"]
    assert [p.label for p in versioned(before, before)] == ["quejas@v3", "resto@v1"]
    assert versioned(before, (policy("quejas", 30, version=7),))[0].label == "quejas@v7"


MADRID = Tenant(id="tienda", timezone="Europe/Madrid", hours="mon-fri 09:00-18:00",
                languages=["es"], sla=(policy("quejas", 30),))  # fmt: skip
WROTE = datetime(2026, 11, 30, 9, tzinfo=UTC)  # Monday 10:00 in Madrid
BROKEN = "@tienda el pedido llegó roto"


@pytest.fixture
def shop(database_url):
    upgrade(database_url)
    store = Store.from_url(database_url)
    tenants = Tenants(store.engine)
    tenants.put(MADRID)
    book = Casebook(Cases(store.engine), lambda tenant_id: tenants.get(tenant_id))
    yield store, tenants, book
    store.dispose()


def stored_complaint(store, n):
    mention = triaged(n, config=MADRID, tenant="tienda", author="lucia", text=BROKEN,
                      created_at=WROTE.isoformat())  # fmt: skip
    store.save([mention])
    return mention


@pytest.mark.postgres
def test_an_edit_re_projects_running_clocks_and_keeps_the_due_time_it_replaced(shop):
    store, tenants, book = shop
    mention = stored_complaint(store, 1)
    case_id = mention.triage.case_key
    ten_past = WROTE + timedelta(minutes=10)
    book.refresh([case_id], ten_past)
    case = book.cases.get("tienda", case_id)
    assert case.policy == "quejas@v1" and case.sla[0]["due_at"].startswith("2026-11-30T09:30")

    edited = MADRID.model_copy(update={"sla": (policy("quejas", 60),)})
    with time_machine.travel(ten_past, tick=False):
        assert tenants.put(edited) is False
    assert tenants.get("tienda").sla[0].label == "quejas@v2"
    assert as_utc(book.cases.get("tienda", case_id).check_at) == ten_past  # marked to look again
    assert case_id in book.cases.to_check(ten_past)

    (projection,) = book.refresh([case_id], ten_past).values()
    (first,) = projection.targets
    assert projection.policy == "quejas@v2"
    assert first.due_at == WROTE + timedelta(minutes=60)
    assert first.business_minutes_used == 10  # time used stays; what is left follows the new rules
    book.refresh([case_id], ten_past + timedelta(seconds=5))  # a second look moves nothing more
    (moved,) = [e for e in book.cases.events(case_id) if e.kind == "due_superseded"]
    assert moved.data["target"] == "first_response"
    assert moved.data["policy_was"] == "quejas@v1" and moved.data["policy"] == "quejas@v2"
    assert datetime.fromisoformat(moved.data["was"]) == WROTE + timedelta(minutes=30)
    assert datetime.fromisoformat(moved.data["now"]) == WROTE + timedelta(minutes=60)


@pytest.mark.postgres
def test_putting_the_same_tenant_again_touches_no_case(shop):
    store, tenants, book = shop
    mention = stored_complaint(store, 2)
    book.refresh([mention.triage.case_key], WROTE)
    before = book.cases.get("tienda", mention.triage.case_key).check_at
    tenants.put(MADRID)
    assert tenants.get("tienda").sla[0].label == "quejas@v1"
    assert book.cases.get("tienda", mention.triage.case_key).check_at == before


@pytest.mark.postgres
def test_a_process_still_holding_the_old_policy_does_not_write_it_back(shop):
    store, tenants, book = shop
    mention = stored_complaint(store, 3)
    case_id = mention.triage.case_key
    tenants.put(MADRID.model_copy(update={"sla": (policy("quejas", 60),)}))
    book.refresh([case_id], WROTE + timedelta(minutes=1))  # caught up: quejas@v2
    stale = Casebook(Cases(store.engine), lambda _: MADRID)  # its cache still has v1
    stale.refresh([case_id], WROTE + timedelta(minutes=2))
    case = book.cases.get("tienda", case_id)
    assert case.policy == "quejas@v2"
    assert case.sla[0]["due_at"].startswith("2026-11-30T10:00")
    assert len([e for e in book.cases.events(case_id) if e.kind == "due_superseded"]) <= 1
