"""A local HubSpot: the CRM API's contact batch upsert and read, as documented, over a socket.

It keeps contacts by `escucha_contact_id`, refuses an e-mail without "@" the way HubSpot
refuses an invalid property (a 207 naming the input's objectWriteTraceId), refuses a batch
that names one id twice (400), wants its bearer token, and can be told to answer 429 with
Retry-After. `writes` counts every write a contact received.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.platform_servers import PlatformServer, Reply, Seen

TOKEN = "pat-local-hubspot"
UPSERT = "/crm/v3/objects/contacts/batch/upsert"
READ = "/crm/v3/objects/contacts/batch/read"


@dataclass
class LocalHubSpot:
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)  # escucha id → record
    writes: Counter[str] = field(default_factory=Counter)
    busy: int = 0  # answer this many upserts with 429
    retry_after: str = "1"
    hold: threading.Event | None = None  # when given, each upsert waits for it after writing
    routes: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def server(self) -> PlatformServer:
        self.routes = {UPSERT: self._upsert, READ: self._read}
        return PlatformServer(self.routes)

    def deal(self, deal: str, *contacts: str, amount: str | None = None) -> None:
        """Make a deal in this portal, associated with contacts escucha synced."""
        properties = {"hs_object_id": deal, "amount": amount, "dealstage": "closedwon"}
        self.routes[f"/crm/v3/objects/deals/{deal}"] = lambda _request: Reply(
            200, {"id": deal, "properties": properties}
        )
        kind = [{"category": "HUBSPOT_DEFINED", "typeId": 3}]
        results = [{"toObjectId": int(self.contacts[c]["id"]), "associationTypes": kind}
                   for c in contacts]  # fmt: skip
        self.routes[f"/crm/v4/objects/deals/{deal}/associations/contacts"] = lambda _request: Reply(
            200, {"results": results}
        )

    def _upsert(self, request: Seen) -> Reply:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply(401, {"status": "error", "category": "INVALID_AUTHENTICATION"})
        with self.lock:
            if self.busy > 0:
                self.busy -= 1
                return Reply(429, {"status": "error", "category": "RATE_LIMITS"},
                             {"Retry-After": self.retry_after})  # fmt: skip
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
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply(401, {"status": "error"})
        asked = request.json()
        wanted = [i["id"] for i in asked["inputs"]]
        with self.lock:
            if asked.get("idProperty") == "escucha_contact_id":
                found = [self.contacts[w] for w in wanted if w in self.contacts]
            else:  # HubSpot's own record ids
                found = [c for c in self.contacts.values() if c["id"] in wanted]
            results = [{"id": c["id"], "properties": dict(c["properties"])} for c in found]
        return Reply(200, {"status": "COMPLETE", "results": results})
