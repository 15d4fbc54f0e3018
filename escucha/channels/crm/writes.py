"""What a CRM client is asked to write, and what it answers, whichever CRM it is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import httpx

CONTACT_UPSERT = "contact.upsert"  # a contact's fields
CASE_RESOLVED = "case.resolved"  # a case resolved: an event to a webhook, a note in HubSpot
LEAD_CREATED = "lead.created"  # a purchase-intent post: an event to a webhook, a HubSpot deal


@dataclass(frozen=True)
class Upsert:
    trace: str  # the outbox row's id
    contact_id: str
    properties: Mapping[str, str]
    kind: str = CONTACT_UPSERT  # or an event: CASE_RESOLVED, LEAD_CREATED
    at: datetime | None = None  # when escucha wrote it down
    maybe_written: bool = False  # tried before (or its sender was cut off): the CRM may have it


@dataclass(frozen=True)
class BatchOutcome:
    """Every trace of a call lands in one of these."""

    written: dict[str, str]  # trace → the CRM's id for what it wrote (a contact, note, deal)
    refused: dict[str, str]  # trace → the CRM's reason, for a dead letter
    unanswered: tuple[str, ...]  # neither: tried again later
    # trace → why the call that carried it failed, when one call of several did: a
    # PermanentError is a dead letter, anything else is tried again (its Retry-After honoured)
    failed: Mapping[str, Exception] = field(default_factory=dict)


class CrmAccount(Protocol):
    """A tenant's account on one CRM, as the sync writes to it."""

    @property
    def batch(self) -> int:
        """How many writes one call may carry."""
        ...

    def upsert(self, client: httpx.Client, upserts: Sequence[Upsert]) -> BatchOutcome:
        """One batch; raises for an answer about all of it (429, 5xx, a refused token). An
        account that makes several calls a batch names a failed call's writes in `failed`."""
        ...

    def read_back(self, client: httpx.Client, contact_ids: Sequence[str]
                  ) -> dict[str, tuple[str, str]]:  # fmt: skip
        """For each contact the CRM has: (its CRM id, the outbox row that last wrote it); empty
        where the CRM cannot say, so a cut-off row is sent again under the same key."""
        ...
