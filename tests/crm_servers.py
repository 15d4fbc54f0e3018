"""A local HubSpot: the CRM API's contacts, notes, deals and their associations, as documented,
over a socket.

It keeps contacts by `escucha_contact_id`, refuses an e-mail without "@" the way HubSpot
refuses an invalid property (a 207 naming the input's objectWriteTraceId), refuses a batch
that names one id twice (400), wants its bearer token, and can be told to answer 429 with
Retry-After. `writes` counts every write a contact received. Notes are created in batches with
their associations and found by the CRM search (EQ and IN filters); deals are upserted by
`escucha_lead_id` and associated with contacts through the v4 associations API, and read back
as `attribute_conversions` reads them.

Like HubSpot it counts the calls of the last `window_s` seconds, answers each (but a search)
with the X-HubSpot-RateLimit headers, and answers 429 beyond `limit`; `remaining` makes the
Remaining header say what a test wants. `calls` keeps when each request came (time.time(), so
time-machine's clock in tests that move it).
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.platform_servers import PlatformServer, Reply, Route, Seen

TOKEN = "pat-local-hubspot"
UPSERT = "/crm/v3/objects/contacts/batch/upsert"
READ = "/crm/v3/objects/contacts/batch/read"
NOTES = "/crm/v3/objects/notes/batch/create"
SEARCH = "/crm/v3/objects/notes/search"
DEALS = "/crm/v3/objects/deals/batch/upsert"
DEALS_READ = "/crm/v3/objects/deals/batch/read"
ASSOCIATE = "/crm/v4/associations/deals/contacts/batch/create"
DEAL = "/crm/v3/objects/deals/"  # GET …/{deal id}
DEAL_CONTACTS = "/crm/v4/objects/deals/"  # GET …/{deal id}/associations/contacts
LEAD_ID = "escucha_lead_id"


@dataclass
class LocalHubSpot:
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # escucha id → record
    writes: Counter[str] = field(default_factory=Counter)
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)  # note id → record
    deals: dict[str, dict[str, Any]] = field(default_factory=dict)  # deal id → record
    busy: int = 0  # answer this many calls with 429
    retry_after: str = "1"
    hold: threading.Event | None = None  # when given, each upsert waits for it after writing
    limit: int = 100  # calls a window takes before 429
    window_s: float = 10.0
    remaining: int | None = None  # what X-HubSpot-RateLimit-Remaining says, when set
    calls: list[float] = field(default_factory=list)
    limited: int = 0  # calls answered 429 for being over the limit
    routes: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def server(self) -> PlatformServer:
        routes: dict[str, Route] = {
            UPSERT: self._upsert, READ: self._read, NOTES: self._create_notes,
            SEARCH: self._search, DEALS: self._upsert_deals, DEALS_READ: self._read_deals,
            ASSOCIATE: self._associate, DEAL: self._deal, DEAL_CONTACTS: self._deal_contacts,
        }  # fmt: skip
        self.routes = {path: self._guarded(route, path != SEARCH) for path, route in routes.items()}
        return PlatformServer(self.routes)

    def deal(self, deal: str, *contacts: str, amount: str | None = None) -> None:
        """Make a won deal in this portal, associated with contacts escucha synced."""
        properties = {"hs_object_id": deal, "amount": amount, "dealstage": "closedwon"}
        with self.lock:
            self.deals[deal] = {"id": deal, "properties": properties,
                                "contacts": [self.contacts[c]["id"] for c in contacts]}  # fmt: skip

    def crm_id(self, contact: str) -> str:
        return self.contacts[contact]["id"]

    def _guarded(self, route: Route, headers: bool) -> Route:
        """Every call: counted, its token checked, the limit kept, the rate headers sent."""

        def answer(request: Seen) -> Reply:
            now = time.time()
            with self.lock:
                self.calls.append(now)
                recent = sorted(t for t in self.calls if now - self.window_s < t <= now)
                busy, self.busy = self.busy > 0, max(0, self.busy - 1)
                over = len(recent) > self.limit
                self.limited += over
            if request.headers.get("authorization") != f"Bearer {TOKEN}":
                reply = Reply(401, {"status": "error", "category": "INVALID_AUTHENTICATION"})
            elif busy or over:
                wait = self.retry_after if busy else str(math.ceil(recent[0] + self.window_s - now))
                reply = Reply(429, {"status": "error", "category": "RATE_LIMITS"},
                              {"Retry-After": wait})  # fmt: skip
            else:
                reply = route(request)
            if headers:
                reply.headers.update(self._rate_headers(len(recent)))
            return reply

        return answer

    def _rate_headers(self, used: int) -> dict[str, str]:
        left = self.remaining if self.remaining is not None else max(0, self.limit - used)
        return {"X-HubSpot-RateLimit-Max": str(self.limit),
                "X-HubSpot-RateLimit-Remaining": str(left),
                "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(self.window_s * 1000)),
                "X-HubSpot-RateLimit-Daily": "500000",
                "X-HubSpot-RateLimit-Daily-Remaining": "499000"}  # fmt: skip

    def _upsert(self, request: Seen) -> Reply:
        with self.lock:
            inputs = request.json()["inputs"]
            ids = [i["id"] for i in inputs]
            if len(ids) != len(set(ids)) or len(inputs) > 100:
                return Reply(400, {"status": "error", "category": "VALIDATION_ERROR",
                                   "message": "Duplicate IDs found in batch input"})  # fmt: skip
            results, errors = [], []
            for given in inputs:
                email = given["properties"].get("email")
                if email is not None and "@" not in email:
                    trace = {"objectWriteTraceId": [given["objectWriteTraceId"]]}
                    errors.append({"status": "error", "category": "VALIDATION_ERROR",
                                   "message": f'Property values were not valid: "{email}"',
                                   "context": trace})  # fmt: skip
                    continue
                record = self.contacts.setdefault(
                    given["id"], {"id": str(5000 + len(self.contacts)), "properties": {}}
                )
                record["properties"].update(given["properties"])
                self.writes[given["id"]] += 1
                results.append({"id": record["id"], "properties": record["properties"],
                                "objectWriteTraceId": given["objectWriteTraceId"]})  # fmt: skip
        body = {"status": "COMPLETE", "results": results, "numErrors": len(errors),
                "errors": errors}  # fmt: skip
        if self.hold is not None:
            self.hold.wait(30)  # written, but the sender may die before it hears so
        return Reply(207 if errors else 200, body)

    def _read(self, request: Seen) -> Reply:
        asked = request.json()
        wanted = [i["id"] for i in asked["inputs"]]
        with self.lock:
            if asked.get("idProperty") == "escucha_contact_id":
                found = [self.contacts[w] for w in wanted if w in self.contacts]
            else:  # HubSpot's own record ids
                found = [c for c in self.contacts.values() if c["id"] in wanted]
            results = [{"id": c["id"], "properties": dict(c["properties"])} for c in found]
        return Reply(200, {"status": "COMPLETE", "results": results})

    def _create_notes(self, request: Seen) -> Reply:
        results, errors = [], []
        with self.lock:
            known = {c["id"] for c in self.contacts.values()}
            for given in request.json()["inputs"]:
                trace = given.get("objectWriteTraceId")
                to = [(a["to"]["id"], a["types"]) for a in given.get("associations", [])]
                if any(crm_id not in known for crm_id, _ in to):
                    errors.append({"status": "error", "category": "VALIDATION_ERROR",
                                   "message": "association target not found",
                                   "context": {"objectWriteTraceId": [trace]}})  # fmt: skip
                    continue
                note = {"id": str(7000 + len(self.notes)), "properties": dict(given["properties"]),
                        "contacts": [crm_id for crm_id, _ in to],
                        "types": [t for _, types in to for t in types]}  # fmt: skip
                self.notes[note["id"]] = note
                results.append({"id": note["id"], "properties": note["properties"],
                                "objectWriteTraceId": trace})  # fmt: skip
        body = {"status": "COMPLETE", "results": results, "numErrors": len(errors),
                "errors": errors}  # fmt: skip
        return Reply(207 if errors else 201, body)

    def _search(self, request: Seen) -> Reply:
        asked = request.json()
        with self.lock:
            found = [n for n in self.notes.values() if _matches(n["properties"], asked)]
        wanted = asked.get("properties") or []
        results = [{"id": n["id"], "properties": {p: n["properties"].get(p) for p in wanted}}
                   for n in found[: asked.get("limit", 10)]]  # fmt: skip
        return Reply(200, {"total": len(found), "results": results})

    def _upsert_deals(self, request: Seen) -> Reply:
        inputs = request.json()["inputs"]
        ids = [i["id"] for i in inputs]
        if len(ids) != len(set(ids)) or any(i.get("idProperty") != LEAD_ID for i in inputs):
            return Reply(400, {"status": "error", "category": "VALIDATION_ERROR"})
        results = []
        with self.lock:
            for given in inputs:
                deal = self._deal_of(given["id"])
                new = deal is None
                if deal is None:
                    deal = {"id": str(9100 + len(self.deals)), "properties": {}, "contacts": []}
                    self.deals[deal["id"]] = deal
                deal["properties"].update(given["properties"], hs_object_id=deal["id"])
                results.append({"id": deal["id"], "new": new, "properties": deal["properties"],
                                "objectWriteTraceId": given["objectWriteTraceId"]})  # fmt: skip
        return Reply(200, {"status": "COMPLETE", "results": results})

    def _read_deals(self, request: Seen) -> Reply:
        asked = request.json()
        with self.lock:
            found = [d for i in asked["inputs"] if (d := self._deal_of(i["id"])) is not None]
            results = [{"id": d["id"], "properties": dict(d["properties"])} for d in found]
        return Reply(200, {"status": "COMPLETE", "results": results})

    def _deal_of(self, lead: str) -> dict[str, Any] | None:
        return next((d for d in self.deals.values() if d["properties"].get(LEAD_ID) == lead), None)

    def _associate(self, request: Seen) -> Reply:
        results = []
        with self.lock:
            known = {c["id"] for c in self.contacts.values()}
            for given in request.json()["inputs"]:
                deal, contact = self.deals.get(given["from"]["id"]), given["to"]["id"]
                if deal is None or contact not in known:
                    continue
                if contact not in deal["contacts"]:
                    deal["contacts"].append(contact)
                deal.setdefault("types", []).extend(given["types"])
                results.append({"fromObjectId": int(deal["id"]), "toObjectId": int(contact),
                                "labels": []})  # fmt: skip
        return Reply(201, {"status": "COMPLETE", "results": results})

    def _deal(self, request: Seen) -> Reply:
        deal = self.deals.get(request.path.removeprefix(DEAL))
        if deal is None:
            return Reply(404, {"status": "error", "category": "OBJECT_NOT_FOUND"})
        return Reply(200, {"id": deal["id"], "properties": dict(deal["properties"])})

    def _deal_contacts(self, request: Seen) -> Reply:
        deal = self.deals.get(request.path.removeprefix(DEAL_CONTACTS).split("/")[0])
        if deal is None:
            return Reply(404, {"status": "error", "category": "OBJECT_NOT_FOUND"})
        kind = [{"category": "HUBSPOT_DEFINED", "typeId": 3, "label": None}]
        return Reply(200, {"results": [{"toObjectId": int(c), "associationTypes": kind}
                                       for c in deal["contacts"]]})  # fmt: skip


def _matches(properties: dict[str, Any], asked: dict[str, Any]) -> bool:
    """The CRM search's filters: groups OR'ed, a group's filters AND'ed (EQ and IN here)."""
    groups = asked.get("filterGroups") or [{"filters": []}]
    return any(all(_passes(properties, f) for f in g["filters"]) for g in groups)


def _passes(properties: dict[str, Any], given: dict[str, Any]) -> bool:
    value = properties.get(given["propertyName"])
    if given["operator"] == "EQ":
        return value == given["value"]
    if given["operator"] == "IN":
        return value in given["values"]
    raise ValueError(f"the local HubSpot does not search with {given['operator']}")
