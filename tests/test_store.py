"""The SQL system of record, on SQLite and on a real PostgreSQL server."""

from datetime import timedelta

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from escucha.store.migrate import downgrade, upgrade
from escucha.store.persist import save_isolating_failures
from escucha.store.schema import CaseRow
from escucha.store.store import Store
from tests.factories import triaged

pytestmark = pytest.mark.postgres


def test_migrations_create_and_drop_the_schema(database_url):
    upgrade(database_url)
    store = Store.from_url(database_url)
    tables = set(inspect(store.engine).get_table_names())
    assert {"mentions", "cases", "tenants", "alembic_version"} <= tables
    downgrade(database_url, "base")
    assert "mentions" not in inspect(store.engine).get_table_names()
    store.dispose()


def test_the_migrations_build_exactly_the_schema_the_code_declares(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from escucha.store.schema import Base

    upgrade(database_url)
    store = Store.from_url(database_url)
    with store.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    store.dispose()
    assert differences == []


def test_saving_twice_stores_once(store):
    mentions = [triaged(n) for n in range(3)]
    store.save(mentions)
    store.save(mentions)  # a redelivered batch
    assert store.count() == 3
    row = store.get("default:x:1")
    assert row is not None and row.sentiment == mentions[1].analysis.sentiment.value
    assert row.reasons == mentions[1].triage.reasons


def test_an_edit_updates_in_place(store):
    store.save([triaged(1, text="el vuelo fue bien")])
    store.save([triaged(1, text="el vuelo fue horrible, pésimo servicio")])
    assert store.count() == 1 and "horrible" in store.get("default:x:1").text


def test_cases_are_recomputed_not_incremented(store):
    first = triaged(1, author="ana", text="mi maleta no llegó, pésimo")
    second = triaged(2, author="ana", text="sigo esperando respuesta, qué vergüenza")
    store.save([first])
    store.save([first, second])
    store.save([second])
    from sqlalchemy.orm import Session

    with Session(store.engine) as session:
        case = session.get(CaseRow, "default:x:ana")
    assert case is not None and case.mention_count == 2
    assert case.priority == max(first.triage.priority, second.triage.priority)


def test_one_unstorable_mention_does_not_block_its_batch(store):
    good = [triaged(n) for n in range(3)]
    bad = triaged(9).model_copy(update={"author": "a" * 5000})  # longer than the column allows
    outcomes = save_isolating_failures(store, [good[0], bad, *good[1:]])
    if store.engine.dialect.name == "sqlite":  # SQLite does not enforce VARCHAR lengths
        assert store.count() == 4
        return
    assert isinstance(outcomes[1], Exception)
    assert [o for o in outcomes if not isinstance(o, Exception)] == good
    assert store.count() == 3


def test_an_older_version_never_overwrites_a_newer_one(store):
    newer = triaged(7, text="Ya me devolvieron el dinero, gracias")
    older = triaged(7, text="Quiero mi reembolso ya")
    older.accepted_at = newer.accepted_at - timedelta(minutes=5)
    store.save([newer])
    store.save([older])  # a late redelivery of the first version
    assert store.get("default:x:7").text == newer.text


def test_versions_follow_the_platforms_clock_not_arrival(store):
    """An old 'add' replayed after an 'edited' arrives later, and still loses."""
    edited = triaged(6, text="Ya me devolvieron el dinero", updated_at="2026-11-20T12:00:00Z")
    replayed = triaged(6, text="Quiero mi reembolso ya", updated_at="2026-11-20T10:00:00Z")
    store.save([edited])
    store.save([replayed])  # accepted later than the edit, but an older version
    assert store.get("default:x:6").text == edited.text
    newest = triaged(6, text="Todo resuelto", updated_at="2026-11-20T13:00:00Z")
    newest.accepted_at = edited.accepted_at - timedelta(hours=1)  # arrival order does not count
    store.save([newest])
    assert store.get("default:x:6").text == "Todo resuelto"


def test_two_tenants_keep_their_own_copy_of_one_post_id(store):
    ours, theirs = triaged(1, tenant="a", text="mío"), triaged(1, tenant="b", text="suyo")
    store.save([ours, theirs])
    assert store.count() == 2
    assert store.get("a:x:1").text == "mío" and store.get("b:x:1").text == "suyo"
    store.delete(["b:x:1"])
    assert store.get("a:x:1") is not None


def test_deleting_removes_the_mention_and_its_empty_case(store):
    complaint = triaged(8, text="Perdieron mi maleta y nadie responde, vergonzoso")
    store.save([complaint])
    case_id = store.get("default:x:8").case_id
    assert case_id
    assert store.delete(["default:x:8"]) == 1 and store.delete(["default:x:8"]) == 0
    assert store.get("default:x:8") is None
    with Session(store.engine) as session:
        assert session.get(CaseRow, case_id) is None


def test_collapsed_search_gives_one_row_per_cluster(store):
    from escucha.store.queries import MentionFilter, find_mentions

    copies = [triaged(n, text="Boicot: perdieron mi maleta y no responden") for n in range(3)]
    for copy in copies:
        copy.cluster_id = "default:x:0"
    store.save([*copies, triaged(5, text="¿Hay vuelos a Lima?")])
    rows = find_mentions(store, "default", MentionFilter(collapse=True, q="maleta"))
    assert [(r.cluster_id, r.cluster_size) for r in rows] == [("default:x:0", 3)]
    assert len(find_mentions(store, "default", MentionFilter(collapse=True))) == 2


def test_the_migration_scopes_existing_ids_by_tenant(database_url):
    from sqlalchemy import create_engine, text

    upgrade(database_url, "0002")
    engine = create_engine(database_url)
    columns = (
        "id, tenant, source, external_id, author, created_at, accepted_at, stored_at, text, "
        "clean_text, handles, hashtags, urls, lang, lang_confidence, sentiment, "
        "sentiment_score, intent, complaint, offensive, priority, priority_label, reasons, "
        "case_id, cluster_id"
    )
    row = (
        "'{id}', '{tenant}', 'x', '1', 'ana', '2026-11-20 10:00:00', '2026-11-20 10:00:00', "
        "'2026-11-20 10:00:00', 't', 't', '[]', '[]', '[]', 'es', 1.0, 'neutral', 0.0, "
        "'other', false, false, 0, 'low', '[]', NULL, '{cluster}'"
    )
    with engine.begin() as connection:
        for tenant in ("a", "b"):
            values = row.format(id=f"x:{tenant}1", tenant=tenant, cluster=f"x:{tenant}0")
            connection.execute(text(f"INSERT INTO mentions ({columns}) VALUES ({values})"))
    upgrade(database_url)
    with engine.connect() as connection:
        found = connection.execute(text("SELECT id, cluster_id FROM mentions ORDER BY id"))
        assert [tuple(r) for r in found] == [("a:x:a1", "a:x:a0"), ("b:x:b1", "b:x:b0")]
    engine.dispose()


def test_a_name_that_lowering_lengthens_still_fits_its_case(store):
    mention = triaged(4, author="İ" * 200, text="Perdieron mi maleta y nadie responde, vergonzoso")
    assert mention.triage.case_key and len(mention.triage.case_key) <= 300
    store.save([mention])
    assert store.get("default:x:4").case_id == mention.triage.case_key


def test_every_case_status_fits_its_column(store):
    """`waiting_on_customer` is 19 characters: PostgreSQL refused it in VARCHAR(16)."""
    store.save([triaged(5, text="Perdieron mi maleta y nadie responde")])
    case_id = store.get("default:x:5").case_id
    with Session(store.engine) as session, session.begin():
        session.get(CaseRow, case_id).status = "waiting_on_customer"
    with Session(store.engine) as session:
        assert session.get(CaseRow, case_id).status == "waiting_on_customer"
