"""HubSpot's CRM API as escucha speaks it.

Contacts are upserted in batches of up to 100 by a property escucha owns
(`escucha_contact_id`, unique in the portal) so the CRM's own ids never need to be known
first; each input carries its outbox row's id as `objectWriteTraceId`, so a 207 answer says
which rows were refused and the other 99 are written. Each write also sets `escucha_sync_key`
to that row's id: after a sender is cut off mid-batch, reading that property back tells which
rows the CRM already has, so none is written twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from escucha.channels.crm.writes import BatchOutcome, Upsert
from escucha.core.errors import check_response

ID_PROPERTY = "escucha_contact_id"
SYNC_KEY = "escucha_sync_key"
BATCH = 100


@dataclass(frozen=True)
class Portal:
    """A tenant's HubSpot account: where to call and with which private-app token."""

    url: str  # https://api.hubapi.com, or a local server in tests
    token: str
    batch: int = BATCH

    def upsert(self, client: httpx.Client, upserts: Sequence[Upsert]) -> BatchOutcome:
        return upsert_contacts(client, self, upserts)

    def read_back(self, client: httpx.Client, contact_ids: Sequence[str]
                  ) -> dict[str, tuple[str, str]]:  # fmt: skip
        return sync_keys(client, self, contact_ids)


def upsert_contacts(client: httpx.Client, portal: Portal, upserts: Sequence[Upsert]
                    ) -> BatchOutcome:  # fmt: skip
    """One batch upsert; raises for an answer about the whole batch (429, 5xx, 401)."""
    if len(upserts) > BATCH:
        raise ValueError(f"HubSpot takes at most {BATCH} inputs a batch")
    inputs = [
        {
            "idProperty": ID_PROPERTY,
            "id": u.contact_id,
            "objectWriteTraceId": u.trace,
            "properties": {**u.properties, ID_PROPERTY: u.contact_id, SYNC_KEY: u.trace},
        }
        for u in upserts
    ]
    response = client.post(f"{portal.url}/crm/v3/objects/contacts/batch/upsert",
                           json={"inputs": inputs}, headers=_auth(portal))  # fmt: skip
    check_response(response)
    return _outcome(response.json(), [u.trace for u in upserts])


def _outcome(body: Mapping[str, Any], traces: Sequence[str]) -> BatchOutcome:
    written = {
        str(r["objectWriteTraceId"]): str(r.get("id", ""))
        for r in body.get("results", [])
        if r.get("objectWriteTraceId") in traces
    }
    refused: dict[str, str] = {}
    for error in body.get("errors", []):
        reason = f"{error.get('category', 'ERROR')}: {error.get('message', '')}".strip()
        for trace in (error.get("context") or {}).get("objectWriteTraceId", []):
            if trace in traces and trace not in written:
                refused[trace] = reason
    unanswered = tuple(t for t in traces if t not in written and t not in refused)
    return BatchOutcome(written, refused, unanswered)


def sync_keys(client: httpx.Client, portal: Portal, contact_ids: Sequence[str]
              ) -> dict[str, tuple[str, str]]:  # fmt: skip
    """For each contact the CRM has: (its CRM id, the outbox row that last wrote it)."""
    response = client.post(
        f"{portal.url}/crm/v3/objects/contacts/batch/read",
        json={"idProperty": ID_PROPERTY, "properties": [ID_PROPERTY, SYNC_KEY],
              "inputs": [{"id": c} for c in contact_ids]},
        headers=_auth(portal),
    )  # fmt: skip
    if response.status_code == 404:
        return {}
    check_response(response)
    found = {}
    for result in response.json().get("results", []):
        properties = result.get("properties") or {}
        if properties.get(ID_PROPERTY):
            found[properties[ID_PROPERTY]] = (str(result.get("id")), properties.get(SYNC_KEY) or "")
    return found


def deal_contacts(client: httpx.Client, portal: Portal, deal_id: str) -> list[str]:
    """The escucha contacts a deal is associated with (those escucha put in the CRM)."""
    response = client.get(f"{portal.url}/crm/v4/objects/deals/{deal_id}/associations/contacts",
                          headers=_auth(portal))  # fmt: skip
    check_response(response)
    crm_ids = [str(r["toObjectId"]) for r in response.json().get("results", [])]
    if not crm_ids:
        return []
    response = client.post(
        f"{portal.url}/crm/v3/objects/contacts/batch/read",
        json={"properties": [ID_PROPERTY], "inputs": [{"id": i} for i in crm_ids]},
        headers=_auth(portal),
    )
    check_response(response)
    found = ((r.get("properties") or {}).get(ID_PROPERTY) for r in response.json()["results"])
    return [contact for contact in found if contact]


def deal_amount(client: httpx.Client, portal: Portal, deal_id: str) -> float | None:
    """A deal's amount in the portal's currency; None when the deal has none."""
    response = client.get(f"{portal.url}/crm/v3/objects/deals/{deal_id}",
                          params={"properties": "amount"}, headers=_auth(portal))  # fmt: skip
    check_response(response)
    amount = (response.json().get("properties") or {}).get("amount")
    try:
        return float(amount) if amount not in (None, "") else None
    except (TypeError, ValueError):
        return None  # a salesperson's free text: no revenue to count, the deal still counts


def _auth(portal: Portal) -> dict[str, str]:
    return {"Authorization": f"Bearer {portal.token}"}
