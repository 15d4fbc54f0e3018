"""Text search: FTS5 on SQLite, a tsvector GIN index on PostgreSQL; ranked, keyset-paged."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import inspect, text

from escucha.store.migrate import downgrade, upgrade
from escucha.store.queries import MentionFilter, find_mentions, next_position, read_position
from escucha.store.search import fts5_query, terms
from escucha.store.store import Store
from tests.factories import triaged

pytestmark = pytest.mark.postgres

DAY = datetime(2026, 11, 20, 10, tzinfo=UTC)


def at(hours: int) -> str:
    return (DAY + timedelta(hours=hours)).isoformat()


def ids(store, tenant="default", **wanted):
    return [m.id for m in find_mentions(store, tenant, MentionFilter(**wanted))]


def every_page(store, tenant="default", **wanted):
    """All pages, following each answer's cursor the way the API's client does."""
    seen, cursor = [], None
    for _ in range(100):
        wanted_now = MentionFilter(**wanted, cursor=cursor)
        page = find_mentions(store, tenant, wanted_now)
        seen.append([m.id for m in page])
        position = next_position(page, wanted_now)
        if position is None:
            return seen
        cursor = position.token()
    raise AssertionError("pagination never ended")


def test_accents_and_case_are_ignored_both_ways(store):
    store.save([
        triaged(1, text="El camión llegó tarde con mi pedido", created_at=at(0)),
        triaged(2, text="el camion nunca vino", created_at=at(1)),
        triaged(3, text="Gracias por todo", created_at=at(2)),
    ])  # fmt: skip
    assert ids(store, q="camion") == ["default:x:2", "default:x:1"]
    assert ids(store, q="CAMIÓN") == ["default:x:2", "default:x:1"]
    assert ids(store, q="llego tarde") == ["default:x:1"]  # every word, anywhere
    assert ids(store, q="camion gracias") == []


def test_words_match_across_plural_and_english_forms(store):
    store.save([
        triaged(1, text="Perdieron mi maleta en Lima", created_at=at(0)),
        triaged(2, text="All the flights were delayed again", created_at=at(1), lang="en"),
        triaged(3, text="Mi equipaje está bien", created_at=at(2)),
    ])  # fmt: skip
    assert ids(store, q="maletas") == ["default:x:1"]
    assert ids(store, q="MALETA") == ["default:x:1"]
    assert ids(store, q="flight delay") == ["default:x:2"]
    assert ids(store, q="equipaje") == ["default:x:3"]
    assert ids(store, q="male") == []  # words, not substrings


def test_relevance_puts_the_best_matches_first(store):
    store.save([
        triaged(1, text="reembolso", created_at=at(0)),
        triaged(2, text="quiero saber de mi vuelo y de paso un reembolso", created_at=at(1)),
        triaged(3, text="reembolso reembolso, exijo mi reembolso", created_at=at(2)),
        triaged(4, text="nada que ver", created_at=at(3)),
    ])  # fmt: skip
    assert ids(store, q="reembolso") == ["default:x:3", "default:x:2", "default:x:1"]  # newest
    ranked = ids(store, q="reembolso", sort="relevance")
    assert set(ranked) == {"default:x:1", "default:x:2", "default:x:3"}
    assert ranked[-1] == "default:x:2"  # the long mention that says it once
    assert ids(store, sort="relevance") == ids(store)  # without words: newest first


def test_search_combines_with_the_other_filters(store):
    store.save([
        triaged(1, text="Pésimo servicio, el pedido llegó roto", created_at=at(0)),
        triaged(2, text="Gracias, el pedido llegó perfecto", created_at=at(1)),
        triaged(3, text="El pedido llegó", created_at=at(2), source="facebook"),
    ])  # fmt: skip
    everything = find_mentions(store, "default", MentionFilter(q="pedido"))
    assert len(everything) == 3
    for sentiment in {m.sentiment for m in everything}:
        expected = [m.id for m in everything if m.sentiment == sentiment]
        assert ids(store, q="pedido", sentiment=sentiment) == expected
        assert ids(store, q="pedido", sentiment=sentiment, sort="relevance") == sorted(
            expected, key=ids(store, q="pedido", sort="relevance").index
        )
    assert ids(store, q="pedido", source="facebook") == ["default:facebook:3"]
    assert ids(store, q="pedido", source="x", until=at(1)) == ["default:x:1"]
    assert ids(store, q="pedido", since=at(1), sort="relevance", source="x") == ["default:x:2"]


def test_one_tenant_never_finds_anothers_mentions(store):
    store.save([
        triaged(1, tenant="a", text="mi maleta secreta", created_at=at(0)),
        triaged(1, tenant="b", text="mi maleta secreta", created_at=at(1)),
        triaged(2, tenant="b", text="maleta maleta maleta", created_at=at(2)),
    ])  # fmt: skip
    for sort in ("newest", "relevance"):
        for collapse in (False, True):
            assert ids(store, "a", q="maleta", sort=sort, collapse=collapse) == ["a:x:1"]
            assert ids(store, "b", q="maleta secreta", sort=sort, collapse=collapse) == ["b:x:1"]


@pytest.mark.parametrize("sort", ["newest", "relevance"])
@pytest.mark.parametrize("collapse", [False, True])
def test_pages_follow_each_other_without_repeats_or_gaps(store, sort, collapse):
    texts = ["vuelo", "vuelo tarde", "vuelo vuelo tarde", "el vuelo de ayer llegó muy tarde"]
    mentions = []
    for n in range(23):  # ties in created_at and in rank both
        mention = triaged(n, text=f"{texts[n % 4]} {n}", created_at=at(n // 3))
        if collapse and n % 5 == 0:
            mention.cluster_id = "default:x:0"
        mentions.append(mention)
    store.save([*mentions, triaged(99, text="nada", created_at=at(30))])
    whole = ids(store, q="vuelo", sort=sort, collapse=collapse, limit=500)
    assert len(whole) == (23 - 4 if collapse else 23)
    for limit in (1, 4, 7):
        pages = every_page(store, q="vuelo", sort=sort, collapse=collapse, limit=limit)
        assert [i for page in pages for i in page] == whole
        assert all(len(page) == limit for page in pages[:-1])


def test_a_cursor_belongs_to_the_order_it_came_from(store):
    store.save([triaged(n, text=f"vuelo {n}", created_at=at(n)) for n in range(3)])
    newest = MentionFilter(q="vuelo", limit=1)
    token = next_position(find_mentions(store, "default", newest), newest).token()
    ranked = MentionFilter(q="vuelo", limit=1, sort="relevance")
    ranked_token = next_position(find_mentions(store, "default", ranked), ranked).token()
    assert read_position(ranked_token) != read_position(token)
    with pytest.raises(ValidationError):
        MentionFilter(q="vuelo", sort="relevance", cursor=token)
    with pytest.raises(ValidationError):
        MentionFilter(q="vuelo", cursor=ranked_token)
    with pytest.raises(ValidationError):
        MentionFilter(q="vuelo", sort="relevance", cursor=ranked_token.replace("A", "B", 3))
    with pytest.raises(ValidationError):
        MentionFilter(q="vuelo", sort="sideways")


HOSTILE = [
    '"', '""', '"maleta', "maleta\"'", "*", "male*", "maleta*", "-maleta", "maleta -vuelo",
    "OR", "maleta OR vuelo", "AND", "NOT maleta", "NEAR(", "NEAR(maleta vuelo)", "maleta:",
    "text:maleta", "{text}: maleta", "^maleta", "(maleta", ")", "'", "' OR 1=1 --", "%", "_",
    "\\", "!!!", "😡", "😡 maleta", "maleta & vuelo | !x", "<->", "a:*", "maleta:*", "   ",
    "x" * 200, "maleta " * 28, "ñ", "ß", "İstanbul",
]  # fmt: skip


def test_hostile_queries_never_error(store):
    store.save([
        triaged(1, text="mi maleta y mi vuelo: OR NEAR AND not", created_at=at(0)),
        triaged(2, text="Gracias", created_at=at(1)),
    ])  # fmt: skip
    for q in HOSTILE:
        for sort in ("newest", "relevance"):
            for collapse in (False, True):
                found = ids(store, q=q, sort=sort, collapse=collapse)
                assert set(found) <= {"default:x:1", "default:x:2"}, q
    assert ids(store, q='"maleta') == ["default:x:1"]  # the quote is punctuation
    assert ids(store, q="maleta:vuelo") == ["default:x:1"]  # no column filter: two words
    assert ids(store, q="-maleta") == ["default:x:1"]  # no negation: the word maleta
    assert ids(store, q="maleta OR gracias") == []  # no operators: the word "or" is required
    assert ids(store, q="NEAR(maleta vuelo)") == ["default:x:1"]
    assert ids(store, q="!!!") == ids(store, q="😡") == []  # no words, no answer
    with pytest.raises(ValidationError):
        MentionFilter(q="male\x00ta")


def test_the_fts5_query_quotes_every_term():
    assert fts5_query('a "b" c*') == '"a" "b" "c"'
    assert fts5_query("NEAR( - *") == '"NEAR"'
    assert terms("mi-maleta, ¿dónde_está?") == ["mi", "maleta", "dónde", "está"]
    assert fts5_query("  ") is None and terms("¿? ¡!") == []


def test_edits_and_deletions_reach_the_index(store):
    store.save([triaged(1, text="el vuelo fue bien", created_at=at(0))])
    assert ids(store, q="vuelo") == ["default:x:1"]
    store.save([triaged(1, text="el avión fue horrible", created_at=at(0))])  # an edit
    assert ids(store, q="vuelo") == [] and ids(store, q="avion") == ["default:x:1"]
    store.save([triaged(1, text="el avión fue horrible", created_at=at(0))])  # a replay
    assert ids(store, q="avion horrible", sort="relevance") == ["default:x:1"]
    store.delete(["default:x:1"])
    assert ids(store, q="avion") == []
    store.save([triaged(1, text="vuelve el vuelo", created_at=at(0))])  # the same id, again
    assert ids(store, q="vuelo") == ["default:x:1"]
    with store.engine.begin() as connection:  # as migration 0003 did: ids rewritten in place
        connection.execute(text("UPDATE mentions SET id = 'default:x:renamed'"))
    assert ids(store, q="vuelo") == ["default:x:renamed"]
    _check_index(store)


def _check_index(store):
    if store.engine.dialect.name == "sqlite":
        with store.engine.begin() as connection:
            connection.execute(
                text("INSERT INTO mention_search(mention_search) VALUES ('integrity-check')")
            )
            indexed = connection.execute(text("SELECT count(*) FROM mention_search_keys"))
            assert indexed.scalar() == store.count()


def test_the_migration_indexes_existing_mentions_and_goes_back(database_url):
    upgrade(database_url, "0019")
    store = Store.from_url(database_url)
    store.save([triaged(n, text=f"maleta número {n}", created_at=at(n)) for n in range(5)])
    upgrade(database_url)
    assert ids(store, q="maleta") == [f"default:x:{n}" for n in reversed(range(5))]
    assert len(ids(store, q="maleta", sort="relevance")) == 5
    _check_index(store)
    downgrade(database_url, "0019")
    names = set(inspect(store.engine).get_table_names())
    assert not {n for n in names if n.startswith("mention_search")}
    indexes = {i["name"] for i in inspect(store.engine).get_indexes("mentions")}
    assert "ix_mentions_search" not in indexes
    store.save([triaged(9, text="otra maleta", created_at=at(9))])  # no triggers left behind
    store.delete(["default:x:0"])
    upgrade(database_url)
    assert ids(store, q="maleta")[:1] == ["default:x:9"] and len(ids(store, q="maleta")) == 5
    _check_index(store)
    store.dispose()


def test_autogenerate_ignores_only_the_search_objects(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from escucha.store.schema import Base

    upgrade(database_url)
    store = Store.from_url(database_url)
    with store.engine.begin() as connection:
        connection.execute(text("CREATE TABLE mention_search_extra (n integer)"))
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    store.dispose()
    assert [(d[0], d[1].name) for d in differences] == [("remove_table", "mention_search_extra")]


def test_postgres_search_uses_the_index(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL plan")
    upgrade(database_url)
    store = Store.from_url(database_url)
    store.save([triaged(n, text=f"vuelo {n}", created_at=at(n)) for n in range(3)])
    with store.engine.begin() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = connection.execute(
            text(
                "EXPLAIN SELECT id FROM mentions WHERE "
                "search_document @@ escucha_search_query('vuelos')"
            )
        ).scalars()
        assert "ix_mentions_search" in "\n".join(plan)
        assert connection.execute(text("SELECT escucha_unaccent('camión')")).scalar() == "camion"
        stored = "SELECT search_document = escucha_search_document(text) FROM mentions"
        assert set(connection.execute(text(stored)).scalars()) == {True}
    store.dispose()
