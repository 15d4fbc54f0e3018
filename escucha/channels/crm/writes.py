"""What a CRM client is asked to write, and what it answers, whichever CRM it is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Upsert:
    trace: str  # the outbox row's id
    contact_id: str
    properties: Mapping[str, str]


@dataclass(frozen=True)
class BatchOutcome:
    written: dict[str, str]  # trace → the CRM's id for the contact
    refused: dict[str, str]  # trace → the CRM's reason, for a dead letter
    unanswered: tuple[str, ...]  # neither: tried again later
