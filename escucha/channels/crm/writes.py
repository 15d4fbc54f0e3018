"""What a CRM client is asked to write, and what it answers, whichever CRM it is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx


@dataclass(frozen=True)
class Upsert:
    trace: str  # the outbox row's id
    contact_id: str
    properties: Mapping[str, str]
    kind: str = "contact.upsert"  # or an event only webhooks carry: case.resolved, lead.created
    at: datetime | None = None  # when escucha wrote it down


@dataclass(frozen=True)
class BatchOutcome:
    written: dict[str, str]  # trace → the CRM's id for the contact
    refused: dict[str, str]  # trace → the CRM's reason, for a dead letter
    unanswered: tuple[str, ...]  # neither: tried again later


class CrmAccount(Protocol):
    """A tenant's account on one CRM, as the sync writes to it."""

    @property
    def batch(self) -> int:
        """How many writes one call may carry."""
        ...

    def upsert(self, client: httpx.Client, upserts: Sequence[Upsert]) -> BatchOutcome:
        """One call; raises for an answer about the whole call (429, 5xx, a refused token)."""
        ...

    def read_back(self, client: httpx.Client, contact_ids: Sequence[str]
                  ) -> dict[str, tuple[str, str]]:  # fmt: skip
        """For each contact the CRM has: (its CRM id, the outbox row that last wrote it); empty
        where the CRM cannot say, so a cut-off row is sent again under the same key."""
        ...
