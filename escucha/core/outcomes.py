"""What a stage's transform returns per record: the next record, or the error that stopped it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from escucha.core.errors import TRANSIENT_ERRORS

Outcome = BaseModel | Exception
Transform = Callable[[list[Any]], Sequence[Outcome]]


def per_item(function: Callable[[Any], BaseModel]) -> Transform:
    """Lift a one-record function to a batch transform that isolates each record's failure."""

    def transform(records: list[Any]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for record in records:
            try:
                outcomes.append(function(record))
            except TRANSIENT_ERRORS:
                raise
            except Exception as error:  # one bad record must not stop the batch
                outcomes.append(error)
        return outcomes

    return transform
