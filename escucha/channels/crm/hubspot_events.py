"""HubSpot's webhook deliveries, read: a deal moved to closed-won is a conversion.

A delivery is a JSON array of events, each naming its portal, object and change; HubSpot
retries a delivery, so each event is kept under its own id and stored once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

WON = "closedwon"


class EventError(ValueError):
    """A delivery that is not what HubSpot sends."""


@dataclass(frozen=True)
class DealWon:
    id: str  # 'hubspot:<portal>:<event id>'
    tenant: str
    deal_id: str
    at: datetime


def won_deals(payload: Any, tenant_for: Callable[[str], str | None]) -> list[DealWon]:
    """The closed-won deals in a delivery, for portals a tenant owns; other events are skipped."""
    if not isinstance(payload, list):
        raise EventError("a HubSpot delivery is a JSON array of events")
    found = []
    for event in payload:
        if not isinstance(event, dict):
            raise EventError("each event is a JSON object")
        if (
            event.get("subscriptionType") != "deal.propertyChange"
            or event.get("propertyName") != "dealstage"
            or event.get("propertyValue") != WON
        ):
            continue  # fmt: skip
        try:
            portal, event_id = int(event["portalId"]), int(event["eventId"])
            deal, occurred = int(event["objectId"]), int(event["occurredAt"])
        except (KeyError, TypeError, ValueError) as error:
            raise EventError(f"a deal event lacks or garbles {error}") from None
        tenant = tenant_for(f"hubspot:{portal}")
        if tenant is None:
            continue  # a portal no tenant connected: not ours to count
        at = datetime.fromtimestamp(occurred / 1000, UTC)
        found.append(DealWon(f"hubspot:{portal}:{event_id}", tenant, str(deal), at))
    return found
