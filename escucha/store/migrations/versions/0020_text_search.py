"""text search: an FTS5 index on SQLite, a Spanish+English tsvector column on PostgreSQL

Existing mentions are indexed as part of the upgrade. See escucha.store.search for the design.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from escucha.store.search import hide_from_autogenerate

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

hide_from_autogenerate()  # the objects below are raw DDL, not in the declared metadata
log = logging.getLogger("alembic.runtime.migration")

# The 'delete' command of a contentless FTS5 table takes the values that were indexed: the
# old row's text, which the triggers have.
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER mentions_search_insert AFTER INSERT ON mentions BEGIN
        INSERT INTO mention_search_keys (id) VALUES (new.id);
        INSERT INTO mention_search (rowid, text)
            SELECT key, new.text FROM mention_search_keys WHERE id = new.id;
    END
    """,
    """
    CREATE TRIGGER mentions_search_update AFTER UPDATE OF id, text ON mentions
    WHEN old.id IS NOT new.id OR old.text IS NOT new.text BEGIN
        INSERT INTO mention_search (mention_search, rowid, text)
            SELECT 'delete', key, old.text FROM mention_search_keys WHERE id = old.id;
        UPDATE mention_search_keys SET id = new.id WHERE id = old.id;
        INSERT INTO mention_search (rowid, text)
            SELECT key, new.text FROM mention_search_keys WHERE id = new.id;
    END
    """,
    """
    CREATE TRIGGER mentions_search_delete AFTER DELETE ON mentions BEGIN
        INSERT INTO mention_search (mention_search, rowid, text)
            SELECT 'delete', key, old.text FROM mention_search_keys WHERE id = old.id;
        DELETE FROM mention_search_keys WHERE id = old.id;
    END
    """,
)


def _sqlite_upgrade() -> None:
    op.execute(
        "CREATE TABLE mention_search_keys ("
        "key INTEGER PRIMARY KEY, id VARCHAR(300) NOT NULL UNIQUE)"
    )
    op.execute(
        "CREATE VIRTUAL TABLE mention_search USING fts5(text, content='', "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    op.execute("INSERT INTO mention_search_keys (id) SELECT id FROM mentions ORDER BY rowid")
    op.execute(
        "INSERT INTO mention_search (rowid, text) "
        "SELECT k.key, m.text FROM mention_search_keys AS k JOIN mentions AS m ON m.id = k.id"
    )
    for trigger in SQLITE_TRIGGERS:
        op.execute(trigger)


def _unaccent(connection: sa.Connection) -> str:
    """The body of escucha_unaccent: contrib's unaccent, or a fallback of Latin accents."""
    try:
        with connection.begin_nested():
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
    except sa.exc.DBAPIError as error:
        log.warning(
            "unaccent is not available (%s); text search folds only the common Latin "
            "accents, with translate(). For the full fold, install postgresql-contrib, then "
            "downgrade to 0019 and upgrade again (escucha.store.migrate).",
            str(error).splitlines()[0],
        )
        accented = "áàâäãåéèêëíìîïóòôöõúùûüñçÁÀÂÄÃÅÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇ"
        plain = "aaaaaaeeeeiiiiooooouuuuncAAAAAAEEEEIIIIOOOOOUUUUNC"
        return f"SELECT translate($1, '{accented}', '{plain}')"
    schema = connection.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension AS e "
            "JOIN pg_namespace AS n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
        )
    ).scalar_one()
    return f"SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, $1)"


def _postgres_upgrade() -> None:
    connection = op.get_bind()
    body = _unaccent(connection)
    schema = connection.execute(sa.text("SELECT current_schema()")).scalar_one()
    # IMMUTABLE (unaccent itself is only STABLE, its dictionary could change), so an index
    # may use them; qualified, so they work under any search_path (autovacuum, pg_restore).
    fn = "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT"
    op.execute(f"CREATE FUNCTION {schema}.escucha_unaccent(text) RETURNS text {fn} AS $$ {body} $$")
    folded = f"{schema}.escucha_unaccent($1)"
    op.execute(
        f"CREATE FUNCTION {schema}.escucha_search_document(text) RETURNS tsvector {fn} AS $$ "
        f"SELECT to_tsvector('pg_catalog.spanish'::regconfig, {folded}) "
        f"|| to_tsvector('pg_catalog.english'::regconfig, {folded}) $$"
    )
    op.execute(
        f"CREATE FUNCTION {schema}.escucha_search_query(text) RETURNS tsquery {fn} AS $$ "
        f"SELECT plainto_tsquery('pg_catalog.spanish'::regconfig, {folded}) "
        f"|| plainto_tsquery('pg_catalog.english'::regconfig, {folded}) $$"
    )
    # Stored, not only indexed: ranking reads it rather than stemming every match again.
    op.execute(
        "ALTER TABLE mentions ADD COLUMN search_document tsvector "
        f"GENERATED ALWAYS AS ({schema}.escucha_search_document(text)) STORED"
    )
    op.execute("CREATE INDEX ix_mentions_search ON mentions USING gin (search_document)")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _postgres_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS mentions_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS mention_search")
        op.execute("DROP TABLE IF EXISTS mention_search_keys")
        return
    op.execute("DROP INDEX IF EXISTS ix_mentions_search")
    op.execute("ALTER TABLE mentions DROP COLUMN IF EXISTS search_document")
    op.execute("DROP FUNCTION IF EXISTS escucha_search_query(text)")
    op.execute("DROP FUNCTION IF EXISTS escucha_search_document(text)")
    op.execute("DROP FUNCTION IF EXISTS escucha_unaccent(text)")
    # unaccent stays: other things may use it, and it is harmless.
