"""Saving a batch so one unstorable mention cannot block the rest."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import OperationalError, SQLAlchemyError

from escucha.core.models import TriagedMention
from escucha.store.store import Store

Outcome = TriagedMention | Exception


def save_isolating_failures(store: Store, mentions: Sequence[TriagedMention]) -> list[Outcome]:
    """Save the batch in one transaction; if the data (not the server) fails, save one by one."""
    try:
        store.save(mentions)
        return list(mentions)
    except OperationalError:
        raise  # the database is away: retry the batch later
    except SQLAlchemyError:
        pass
    outcomes: list[Outcome] = []
    for mention in mentions:
        try:
            store.save([mention])
            outcomes.append(mention)
        except OperationalError:
            raise
        except SQLAlchemyError as error:
            outcomes.append(error)
    return outcomes
