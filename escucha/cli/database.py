"""The SQL store for commands that manage it: migrated to the current schema first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from config.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine


def migrated_engine() -> Engine:
    from escucha.store.migrate import upgrade
    from escucha.store.store import make_engine

    settings = get_settings()
    settings.stores.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.stores.effective_database_url)
    return make_engine(settings.stores.effective_database_url)
