"""The glossary rule the stored history adds: a case merged into another brings its earlier
messages, and the survivor's first cycle begins with the earliest of them. On SQLite and
PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest

from escucha.care.care_history import care_metrics
from escucha.care.casebook import Casebook
from escucha.core.tenant import Tenant
from escucha.store.cases import Cases
from escucha.store.migrate import upgrade
from escucha.store.outbox import NewReply, Outbox
from escucha.store.store import Store
from escucha.store.tenants import Tenants
from tests.factories import triaged

pytestmark = pytest.mark.postgres
SHOP = Tenant(id="tienda", timezone="Europe/Madrid", languages=["es"])
START = datetime(2026, 11, 2, 10, tzinfo=UTC)


def comment(n, post, at):
    return triaged(n, config=SHOP, tenant="tienda", source="facebook", author="lucia",
                   author_id="id-lucia", thread=f"facebook:{post}", created_at=at.isoformat(),
                   text="el pedido llegó roto y nadie contesta")  # fmt: skip


def test_a_merged_in_cases_earlier_message_opens_the_survivors_first_cycle(database_url):
    upgrade(database_url)
    store = Store.from_url(database_url)
    Tenants(store.engine).put(SHOP)
    book = Casebook(Cases(store.engine), Tenants(store.engine).get)
    earlier, later = comment(1, "p1", START), comment(2, "p2", START + timedelta(minutes=30))
    store.save([earlier, later])
    merged, survivor = store.get(earlier.id).case_id, store.get(later.id).case_id
    assert merged != survivor
    book.merge("tienda", survivor, merged, "agent:ana", START + timedelta(minutes=40))
    outbox = Outbox(store.engine)
    answered = START + timedelta(minutes=60)
    outbox.add(NewReply(key="r1", tenant="tienda", account="meta:page-7", platform="facebook",
                        in_reply_to=later.external_id, text="Hola Lucía, lo miramos ya.",
                        case_id=survivor), answered)  # fmt: skip
    claimed = outbox.claim("r1", answered)
    outbox.sent(claimed, "c_9", answered)
    figures = care_metrics(book.cases, SHOP, START - timedelta(days=1), START + timedelta(days=1),
                           START + timedelta(days=1))  # fmt: skip
    assert figures.cases == 1  # the merged case is inside its survivor
    # An hour from her first message, not half an hour from the one the survivor opened with.
    assert figures.first_response.count == 1 and figures.first_response.median_minutes == 60
    store.dispose()
