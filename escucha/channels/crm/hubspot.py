"""HubSpot's CRM API as escucha speaks it.

Contacts are upserted in batches of up to 100 by a property escucha owns
(`escucha_contact_id`, unique in the portal) so the CRM's own ids never need to be known
first; each input carries its outbox row's id as `objectWriteTraceId`, so a 207 answer says
which rows were refused and the other 99 are written. Each write also sets `escucha_sync_key`
to that row's id: after a sender is cut off mid-batch, reading that property back tells which
rows the CRM already has, so none is written twice.

A resolved case is also a note on its contact's timeline, and a purchase-intent post a deal
associated with its contact. Notes have no upsert: each carries `escucha_note_key` (its row's
id), and a note that may already be there (its sender was cut off, or it was tried before) is
searched for by that key first, so none is created twice. Deals are upserted by
`escucha_lead_id` (the post's id); one that may already be there is read first and left as the
salespeople keep it, its stage above all, only associated again. Both go on the contact's
HubSpot id: one the batch did not just write is read by `escucha_contact_id`, and an event whose
contact is not in HubSpot yet waits (TransientError) until it is.

With a budget (rate_budget), every call takes a token first and each answer's rate-limit
headers teach it what the portal has left.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from escucha.channels.crm.rate_budget import RateBudget
from escucha.channels.crm.writes import (
    CASE_RESOLVED,
    CONTACT_UPSERT,
    LEAD_CREATED,
    BatchOutcome,
    Upsert,
)
from escucha.core.errors import (
    TRANSIENT_ERRORS,
    PermanentError,
    TransientError,
    check_response,
    retry_at,
)

ID_PROPERTY = "escucha_contact_id"
SYNC_KEY = "escucha_sync_key"
NOTE_KEY = "escucha_note_key"  # a note property escucha owns: the outbox row that wrote it
LEAD_ID = "escucha_lead_id"  # a unique deal property escucha owns: the post the lead came from
BATCH = 100
# HubSpot-defined association types (v4): note → contact and deal → contact.
NOTE_TO_CONTACT = 202
DEAL_TO_CONTACT = 3
DEAL_NAME = 100


@dataclass(frozen=True)
class Portal:
    """A tenant's HubSpot account: where to call, with which private-app token, where new deals
    start, and the rate budget its calls share with other workers (none: calls are not paced)."""

    url: str  # https://api.hubapi.com, or a local server in tests
    token: str
    batch: int = BATCH
    pipeline: str = "default"
    dealstage: str = "appointmentscheduled"
    budget: RateBudget | None = field(default=None, compare=False)

    def upsert(self, client: httpx.Client, upserts: Sequence[Upsert]) -> BatchOutcome:
        return write(client, self, upserts)

    def read_back(self, client: httpx.Client, contact_ids: Sequence[str]
                  ) -> dict[str, tuple[str, str]]:  # fmt: skip
        return sync_keys(client, self, contact_ids)


Writer = Callable[[httpx.Client, Portal, Sequence[Upsert], dict[str, str]], BatchOutcome]


@dataclass
class _Tally:
    """A batch's outcome as its calls answer."""

    written: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)
    failed: dict[str, Exception] = field(default_factory=dict)

    def add(self, outcome: BatchOutcome) -> None:
        self.written.update(outcome.written)
        self.refused.update(outcome.refused)
        self.unanswered.extend(outcome.unanswered)
        self.failed.update(outcome.failed)

    def fail(self, upserts: Sequence[Upsert], error: Exception) -> None:
        self.failed.update({u.trace: error for u in upserts})

    def outcome(self) -> BatchOutcome:
        return BatchOutcome(self.written, self.refused, tuple(self.unanswered), self.failed)


def write(client: httpx.Client, portal: Portal, upserts: Sequence[Upsert]) -> BatchOutcome:
    """Each kind of write to its endpoint, contacts first: a batch's notes and deals may go on
    contacts it has just written. A failed call falls on its own writes; after a transient
    failure the calls left are not made (they would meet the same limit or outage) and their
    writes wait too."""
    tally, crm_ids = _Tally(), dict[str, str]()
    stopped: Exception | None = None
    for kind, writer in WRITERS.items():
        group = [u for u in upserts if u.kind == kind]
        if not group:
            continue
        if stopped is not None:
            tally.fail(group, stopped)
            continue
        try:
            tally.add(writer(client, portal, group, crm_ids))
        except PermanentError as error:  # e.g. a scope the token lacks for this kind only
            tally.fail(group, error)
        except TRANSIENT_ERRORS as error:
            tally.fail(group, error)
            stopped = error
    for u in upserts:
        if u.kind not in WRITERS:
            tally.refused[u.trace] = f"escucha writes no {u.kind} to HubSpot"
    return tally.outcome()


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
    response = _call(client, portal, "/crm/v3/objects/contacts/batch/upsert", {"inputs": inputs})
    check_response(response)
    return _outcome(response.json(), [u.trace for u in upserts])


def _write_contacts(client: httpx.Client, portal: Portal, upserts: Sequence[Upsert],
                    crm_ids: dict[str, str]) -> BatchOutcome:  # fmt: skip
    outcome = upsert_contacts(client, portal, upserts)
    crm_ids.update({u.contact_id: outcome.written[u.trace] for u in upserts
                    if outcome.written.get(u.trace)})  # fmt: skip
    return outcome


def write_notes(client: httpx.Client, portal: Portal, notes: Sequence[Upsert],
                crm_ids: dict[str, str]) -> BatchOutcome:  # fmt: skip
    """Resolved cases as notes on their contacts, each created once."""
    tally = _Tally()
    ready = _on_contacts(client, portal, notes, crm_ids, tally)
    unsure = [u.trace for u in ready if u.maybe_written]
    tally.written.update(notes_by_key(client, portal, unsure) if unsure else {})
    fresh = [u for u in ready if u.trace not in tally.written]
    if fresh:
        tally.add(create_notes(client, portal, fresh, crm_ids))
    return tally.outcome()


def create_notes(client: httpx.Client, portal: Portal, notes: Sequence[Upsert],
                 crm_ids: Mapping[str, str]) -> BatchOutcome:  # fmt: skip
    """One batch create, each note associated with its contact in the same call."""
    inputs = [
        {
            "objectWriteTraceId": u.trace,
            "properties": {"hs_timestamp": _millis(u), "hs_note_body": note_body(u.properties),
                           NOTE_KEY: u.trace},
            "associations": [{"to": {"id": crm_ids[u.contact_id]},
                              "types": [_defined(NOTE_TO_CONTACT)]}],
        }
        for u in notes
    ]  # fmt: skip
    response = _call(client, portal, "/crm/v3/objects/notes/batch/create", {"inputs": inputs})
    check_response(response)
    return _outcome(response.json(), [u.trace for u in notes])


def notes_by_key(client: httpx.Client, portal: Portal, note_keys: Sequence[str]
                 ) -> dict[str, str]:  # fmt: skip
    """The notes already in HubSpot among these keys: key → note id. HubSpot's search index
    trails its writes by seconds; a cut-off row is taken again only after its lease (minutes)."""
    query = {
        "filterGroups": [{"filters": [{"propertyName": NOTE_KEY, "operator": "IN",
                                       "values": list(note_keys)}]}],
        "properties": [NOTE_KEY],
        "limit": len(note_keys),
    }  # fmt: skip
    response = _call(client, portal, "/crm/v3/objects/notes/search", query)
    check_response(response)
    return _by_property(response.json(), NOTE_KEY, note_keys)


def note_body(facts: Mapping[str, str]) -> str:
    """The note as a salesperson reads it: which case, where, when, what the customer said."""
    case, channel = facts.get("case_id", ""), facts.get("channel", "")
    cycle, at = facts.get("cycle", ""), facts.get("resolved_at", "")
    head = f"Case {case} resolved on {channel} (cycle {cycle}) at {at}, by escucha"
    # The customer's words are theirs: escaped, so HubSpot shows them and renders nothing.
    return f"<p>{html.escape(head)}</p><p>{html.escape(facts.get('summary', ''))}</p>"


def write_deals(client: httpx.Client, portal: Portal, leads: Sequence[Upsert],
                crm_ids: dict[str, str]) -> BatchOutcome:  # fmt: skip
    """Leads as deals associated with their contacts, one deal a lead however often sent."""
    tally = _Tally()
    ready = _on_contacts(client, portal, leads, crm_ids, tally)
    unsure = [lead_id(u) for u in ready if u.maybe_written]
    existing = deals_by_lead(client, portal, unsure) if unsure else {}
    deals = {u.trace: existing[lead_id(u)] for u in ready if lead_id(u) in existing}
    fresh = [u for u in ready if u.trace not in deals]
    if fresh:
        upserted = upsert_deals(client, portal, fresh)
        tally.refused.update(upserted.refused)
        tally.unanswered.extend(upserted.unanswered)
        deals.update(upserted.written)
    pairs = {u.trace: (deals[u.trace], crm_ids[u.contact_id]) for u in ready if u.trace in deals}
    associated = associate_deals(client, portal, list(pairs.values())) if pairs else set()
    for trace, pair in pairs.items():
        if pair in associated:
            tally.written[trace] = pair[0]
        else:  # the deal is there, not yet on its contact: read and associated next time
            tally.unanswered.append(trace)
    return tally.outcome()


def upsert_deals(client: httpx.Client, portal: Portal, leads: Sequence[Upsert]) -> BatchOutcome:
    """One batch upsert of deals by `escucha_lead_id`."""
    inputs = [
        {
            "idProperty": LEAD_ID,
            "id": lead_id(u),
            "objectWriteTraceId": u.trace,
            "properties": {**deal_properties(portal, u.properties), LEAD_ID: lead_id(u)},
        }
        for u in leads
    ]
    response = _call(client, portal, "/crm/v3/objects/deals/batch/upsert", {"inputs": inputs})
    check_response(response)
    return _outcome(response.json(), [u.trace for u in leads])


def deal_properties(portal: Portal, lead: Mapping[str, str]) -> dict[str, str]:
    """A new deal: named after the post, in the portal's pipeline and first stage."""
    text = " ".join(lead.get("text", "").split())
    name = f"{lead.get('channel', '')}: {text}".strip(": ")
    if len(name) > DEAL_NAME:
        name = name[: DEAL_NAME - 1] + "…"
    description = "\n".join(part for part in (lead.get("text", ""), lead.get("url", "")) if part)
    return {"dealname": name or "escucha lead", "pipeline": portal.pipeline,
            "dealstage": portal.dealstage, "description": description}  # fmt: skip


def deals_by_lead(client: httpx.Client, portal: Portal, lead_ids: Sequence[str]
                  ) -> dict[str, str]:  # fmt: skip
    """The deals HubSpot has for these leads: lead id → deal id."""
    response = _call(client, portal, "/crm/v3/objects/deals/batch/read",
                     {"idProperty": LEAD_ID, "properties": [LEAD_ID],
                      "inputs": [{"id": i} for i in lead_ids]})  # fmt: skip
    if response.status_code == 404:
        return {}
    check_response(response)
    return _by_property(response.json(), LEAD_ID, lead_ids)


def associate_deals(client: httpx.Client, portal: Portal, pairs: Sequence[tuple[str, str]]
                    ) -> set[tuple[str, str]]:  # fmt: skip
    """Associate each (deal id, contact id); the pairs HubSpot answered for. Associating a
    pair twice leaves one association."""
    inputs = [{"from": {"id": deal}, "to": {"id": contact}, "types": [_defined(DEAL_TO_CONTACT)]}
              for deal, contact in pairs]  # fmt: skip
    response = _call(client, portal, "/crm/v4/associations/deals/contacts/batch/create",
                     {"inputs": inputs})  # fmt: skip
    check_response(response)
    return {(str(r.get("fromObjectId")), str(r.get("toObjectId")))
            for r in response.json().get("results", [])}  # fmt: skip


def lead_id(upsert: Upsert) -> str:
    return upsert.properties.get("mention_id") or upsert.trace


def _on_contacts(client: httpx.Client, portal: Portal, upserts: Sequence[Upsert],
                 crm_ids: dict[str, str], tally: _Tally) -> list[Upsert]:  # fmt: skip
    """The writes whose contact is in HubSpot (its id now in `crm_ids`); the others wait."""
    missing = sorted({u.contact_id for u in upserts} - crm_ids.keys())
    if missing:
        crm_ids.update({c: ids[0] for c, ids in sync_keys(client, portal, missing).items()})
    for u in upserts:
        if u.contact_id not in crm_ids:
            tally.failed[u.trace] = TransientError(f"contact {u.contact_id} is not in HubSpot yet")
    return [u for u in upserts if u.contact_id in crm_ids]


def _by_property(body: Mapping[str, Any], name: str, wanted: Sequence[str]) -> dict[str, str]:
    """The records an answer lists whose property `name` is one of `wanted`: value → id."""
    found = {}
    for result in body.get("results", []):
        value = (result.get("properties") or {}).get(name)
        if isinstance(value, str) and value in wanted:
            found[value] = str(result.get("id"))
    return found


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
    response = _call(client, portal, "/crm/v3/objects/contacts/batch/read",
                     {"idProperty": ID_PROPERTY, "properties": [ID_PROPERTY, SYNC_KEY],
                      "inputs": [{"id": c} for c in contact_ids]})  # fmt: skip
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
    response = _call(client, portal, f"/crm/v4/objects/deals/{deal_id}/associations/contacts")
    check_response(response)
    crm_ids = [str(r["toObjectId"]) for r in response.json().get("results", [])]
    if not crm_ids:
        return []
    query = {"properties": [ID_PROPERTY], "inputs": [{"id": i} for i in crm_ids]}
    response = _call(client, portal, "/crm/v3/objects/contacts/batch/read", query)
    check_response(response)
    found = ((r.get("properties") or {}).get(ID_PROPERTY) for r in response.json()["results"])
    return [contact for contact in found if contact]


def deal_amount(client: httpx.Client, portal: Portal, deal_id: str) -> float | None:
    """A deal's amount in the portal's currency; None when the deal has none."""
    response = _call(client, portal, f"/crm/v3/objects/deals/{deal_id}",
                     params={"properties": "amount"})  # fmt: skip
    check_response(response)
    amount = (response.json().get("properties") or {}).get("amount")
    try:
        return float(amount) if amount not in (None, "") else None
    except (TypeError, ValueError):
        return None  # a salesperson's free text: no revenue to count, the deal still counts


def _call(client: httpx.Client, portal: Portal, path: str, body: Any = None,
          params: Mapping[str, str] | None = None) -> httpx.Response:  # fmt: skip
    """One request (a POST when it has a body): a token from the portal's budget first, then
    what the answer says about the portal's limits learnt, a 429 holding every worker back."""
    budget = portal.budget
    if budget is not None:
        budget.acquire()  # raises RateLimited, and the call is not made
    method = "GET" if body is None else "POST"
    response = client.request(method, f"{portal.url}{path}", json=body, params=params,
                              headers=_auth(portal))  # fmt: skip
    if budget is not None:
        budget.learn(response.headers)
        if response.status_code == 429:
            now = budget.clock()
            budget.hold_until(retry_at(response.headers, now) or now + budget.interval_s)
    return response


def _defined(type_id: int) -> dict[str, Any]:
    return {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}


def _millis(upsert: Upsert) -> int:
    """hs_timestamp, which places the note on the timeline: when the case was resolved."""
    try:
        at = datetime.fromisoformat(upsert.properties.get("resolved_at", ""))
    except ValueError:
        at = upsert.at or datetime.now().astimezone()
    return int(at.timestamp() * 1000)


def _auth(portal: Portal) -> dict[str, str]:
    return {"Authorization": f"Bearer {portal.token}"}


WRITERS: dict[str, Writer] = {CONTACT_UPSERT: _write_contacts, CASE_RESOLVED: write_notes,
                              LEAD_CREATED: write_deals}  # fmt: skip
