"""The beat sweep under a controlled clock: SLA moments come out at their business moments.

One complaint on a Friday evening in Madrid waits out a weekend with the change from summer
time, answers late on Monday, and its resolution clock runs across the Monday holiday of the
next week. The clock is moved with time-machine and `escucha.care.due`, the task beat runs
every few seconds, is called at each moment and just before it, against a real Redis and the
store (SQLite and PostgreSQL). Events carry the moment they stand for; none may come early.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import ModuleType
from zoneinfo import ZoneInfo

import pytest
import time_machine

from config.settings import get_settings
from escucha.care.lifecycle import Status
from escucha.core.sla_policy import SlaPolicy, Target, TargetSpec
from escucha.core.tenant import Tenant
from escucha.pipeline import events
from escucha.store.cases import CaseFilter, Cases
from escucha.store.migrate import upgrade
from escucha.store.outbox import NewReply, Outbox
from escucha.store.store import Store
from escucha.store.tenants import Tenants
from tests.factories import triaged

pytestmark = pytest.mark.postgres
MADRID = ZoneInfo("Europe/Madrid")
TARGETS = {Target.first_response: TargetSpec(minutes=30),
           Target.resolution: TargetSpec(minutes=3000)}  # fmt: skip
POLICY = SlaPolicy(name="quejas", targets=TARGETS)
SHOP = Tenant(id="tienda", timezone="Europe/Madrid", languages=("es",),
              hours="mon-fri 09:00-18:00", holidays="ES-MD", sla=(POLICY,))  # fmt: skip


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MADRID).astimezone(UTC)


@pytest.fixture
def beat(database_url: str, redis_client, monkeypatch) -> Iterator[ModuleType]:
    """The care tasks as a worker runs them, on this test's database."""
    import tasks.care
    from workers import resources

    upgrade(database_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    cached = (get_settings, resources.store, resources.tenants, resources.casebook)
    for function in cached:
        function.cache_clear()
    Tenants(resources.store().engine).put(SHOP)
    yield tasks.care
    resources.store().dispose()
    for function in cached:
        function.cache_clear()


def sla_events(redis_client) -> list[tuple[str, str, str]]:
    return [(e["type"], e["target"], e["at"]) for e in events.read(redis_client, "tienda")
            if e["type"].startswith("sla.")]  # fmt: skip


def sweep_at(beat: ModuleType, moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        beat.due()


def test_moments_come_at_business_times_across_a_weekend_a_dst_change_and_a_holiday(
    beat, redis_client, database_url
):
    wrote = local(2026, 10, 23, 17, 50)  # Friday, ten minutes before closing, summer time
    store = Store.from_url(database_url)
    with time_machine.travel(wrote, tick=False):
        mention = triaged(1, config=SHOP, author="lucia", tenant="tienda",
                          text="@tienda el pedido llegó roto y nadie contesta, una vergüenza",
                          created_at=wrote.isoformat())  # fmt: skip
        store.save([mention])
    case_id = Cases(store.engine).listing("tienda", CaseFilter())[0].id
    seen: list[tuple[str, str, str]] = []

    def expect(kind: str, target: str, moment: datetime) -> None:
        sweep_at(beat, moment - timedelta(seconds=1))
        assert sla_events(redis_client) == seen, f"{kind} {target} came before {moment}"
        sweep_at(beat, moment + timedelta(seconds=20))  # one beat tick later
        seen.append((kind, target, moment.isoformat()))
        assert sla_events(redis_client) == seen

    sweep_at(beat, wrote + timedelta(seconds=5))
    for quiet in (local(2026, 10, 23, 18, 30), local(2026, 10, 24, 12, 0),
                  local(2026, 10, 25, 2, 30), local(2026, 10, 26, 8, 59)):  # fmt: skip
        sweep_at(beat, quiet)  # closed: Friday night, Saturday, the repeated hour of Sunday
    assert sla_events(redis_client) == []

    # Ten minutes were used on Friday; Monday is on winter time, an hour further from UTC.
    expect("sla.warning", "first_response", local(2026, 10, 26, 9, 5))
    assert local(2026, 10, 26, 9, 5) == datetime(2026, 10, 26, 8, 5, tzinfo=UTC)
    expect("sla.warning", "first_response", local(2026, 10, 26, 9, 14))
    expect("sla.breached", "first_response", local(2026, 10, 26, 9, 20))

    answered = local(2026, 10, 26, 9, 40)
    outbox = Outbox(store.engine)
    outbox.add(NewReply(key="r1", tenant="tienda", account="x:7", platform="x", in_reply_to="1",
                        text="Hola Lucía, lo sentimos. Hoy lo revisamos.", case_id=case_id),
               answered)  # fmt: skip
    claimed = outbox.claim("r1", answered)
    outbox.sent(claimed, "91", answered)
    sweep_at(beat, answered + timedelta(seconds=20))
    seen.append(("sla.met", "first_response", answered.isoformat()))
    assert sla_events(redis_client) == seen

    # 3,000 open minutes: 10 on Friday, 540 a weekday, and Monday 2 November is a holiday.
    expect("sla.warning", "resolution", local(2026, 10, 28, 15, 50))
    expect("sla.warning", "resolution", local(2026, 10, 30, 12, 50))
    for quiet in (local(2026, 10, 31, 12, 0), local(2026, 11, 2, 12, 0)):
        sweep_at(beat, quiet)
    expect("sla.breached", "resolution", local(2026, 11, 3, 13, 50))

    resolved = local(2026, 11, 3, 16, 0)
    with time_machine.travel(resolved, tick=False):
        from workers.resources import casebook

        casebook().change_status("tienda", case_id, Status.resolved, "ana",
                                 datetime.now(UTC))  # fmt: skip
    seen.append(("sla.met", "resolution", resolved.isoformat()))  # late, but met
    with time_machine.travel(local(2026, 11, 4, 10, 0), tick=False):
        store.save([triaged(2, config=SHOP, author="lucia", tenant="tienda", text="gracias!!",
                            created_at=datetime.now(UTC).isoformat())])  # fmt: skip
    for later in (local(2026, 11, 4, 10, 0, 30), local(2026, 11, 5, 12, 0)):
        sweep_at(beat, later)
    case = Cases(store.engine).get("tienda", case_id)
    assert case is not None and case.status == "resolved" and case.cycle == 1
    assert sla_events(redis_client) == seen  # the thanks started no clock and reopened nothing
    store.dispose()
