"""The system of record: SQL through SQLAlchemy 2, schema managed by Alembic."""
