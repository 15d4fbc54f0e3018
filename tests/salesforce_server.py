"""A local Salesforce org: the REST API's upsert by external ID, sObject Collections upsert and
SOQL query, as documented, over a socket.

It keeps Contacts by `Escucha_Id__c` (a list each: people can make two records with one external
ID, and then an upsert writes neither), wants LastName on insert (REQUIRED_FIELD_MISSING),
refuses an Email without "@" (INVALID_EMAIL_ADDRESS, per record), can hold a record locked
(UNABLE_TO_LOCK_ROW), wants its bearer token (401 INVALID_SESSION_ID), and has a request budget:
past it every call is answered 403 REQUEST_LIMIT_EXCEEDED, as Salesforce answers its API limits.
The query endpoint parses the one SOQL statement escucha sends, string literals and escapes
included, and answers MALFORMED_QUERY to anything else. `writes` counts every write a contact's
record received. A record's path carries its external ID, so its route is a prefix.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from escucha.channels.crm.salesforce import API_VERSION, BATCH, ID_FIELD, SYNC_FIELD
from tests.platform_servers import PlatformServer, Reply, Seen

TOKEN = "00DLOCAL!escucha-test-token"
BASE = f"/services/data/{API_VERSION}"
RECORD = f"{BASE}/sobjects/Contact/{ID_FIELD}/"  # + the external ID
COLLECTION = f"{BASE}/composite/sobjects/Contact/{ID_FIELD}"
QUERY = f"{BASE}/query"
MORE = f"{QUERY}/"  # + a query locator: nextRecordsUrl
SELECT = f"SELECT Id, {ID_FIELD}, {SYNC_FIELD} FROM Contact WHERE {ID_FIELD} IN ("
UNESCAPED = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'",
             "\\": "\\"}  # fmt: skip


@dataclass
class LocalSalesforce:
    contacts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # external ID → records
    writes: Counter[str] = field(default_factory=Counter)
    budget: int | None = None  # requests left before REQUEST_LIMIT_EXCEEDED; None: no limit
    update_status: int = 200  # an update's answer: 200 with a body (API 46.0+), or 204
    page_size: int = 2000  # SOQL rows a page, as Salesforce's default
    locked: set[str] = field(default_factory=set)  # external IDs whose record another holds
    pages: dict[str, tuple[list[dict[str, Any]], int]] = field(default_factory=dict)  # locator
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def server(self) -> PlatformServer:
        return PlatformServer({COLLECTION: self._collection, QUERY: self._query,
                               RECORD: self._record, MORE: self._more})  # fmt: skip

    def add(self, contact_id: str, **fields: Any) -> str:
        """A Contact made in the org by its people; a second one with the same external ID
        makes the duplicate a person must merge."""
        record = {"Id": self._new_id(), ID_FIELD: contact_id, **fields}
        self.contacts.setdefault(contact_id, []).append(record)
        return str(record["Id"])

    def record(self, contact_id: str) -> dict[str, Any]:
        """The one record with this external ID."""
        (record,) = self.contacts[contact_id]
        return record

    def _new_id(self) -> str:
        return f"003LOCAL{next(self.ids):010d}"  # 18 characters, Contact's key prefix

    def _gate(self, request: Seen, method: str) -> Reply | None:
        """The answer about the whole request, if there is one."""
        if request.method != method:
            return Reply(405, [{"errorCode": "METHOD_NOT_ALLOWED", "message": request.method}])
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Reply(401, [{"message": "Session expired or invalid",
                                "errorCode": "INVALID_SESSION_ID"}])  # fmt: skip
        if self.budget is not None:
            if self.budget <= 0:
                return Reply(403, [{"message": "TotalRequests Limit exceeded.",
                                    "errorCode": "REQUEST_LIMIT_EXCEEDED"}])  # fmt: skip
            self.budget -= 1
        return None

    def _record(self, request: Seen) -> Reply:
        with self.lock:
            refused = self._gate(request, "PATCH")
            if refused is not None:
                return refused
            contact_id = unquote(request.path.removeprefix(RECORD))
            fields = request.json()
            if ID_FIELD in fields or "Id" in fields:
                return Reply(400, [{"errorCode": "INVALID_FIELD", "fields": [ID_FIELD],
                                    "message": "the external ID belongs in the URL"}])  # fmt: skip
            matches = self.contacts.get(contact_id, [])
            if len(matches) > 1:
                return Reply(300, [f"{BASE}/sobjects/Contact/{r['Id']}" for r in matches])
            errors = self._invalid(contact_id, fields, creating=not matches)
            if errors:
                return Reply(400, [{"errorCode": e["statusCode"], "message": e["message"],
                                    "fields": e["fields"]} for e in errors])  # fmt: skip
            record, created = self._write(contact_id, fields)
        if created:
            return Reply(201, {"id": record["Id"], "success": True, "errors": [], "created": True})
        if self.update_status == 204:
            return Reply(204)
        return Reply(200, {"id": record["Id"], "success": True, "errors": [], "created": False})

    def _collection(self, request: Seen) -> Reply:
        with self.lock:
            refused = self._gate(request, "PATCH")
            if refused is not None:
                return refused
            body = request.json()
            records = body.get("records") or []
            if len(records) > BATCH:
                return Reply(400, [{"errorCode": "EXCEEDED_ID_LIMIT", "message": "record limit "
                                    "reached. cannot submit more than 200 records into this "
                                    "call", "fields": []}])  # fmt: skip
            if body.get("allOrNone") is not False:
                return Reply(400, [{"errorCode": "INVALID_FIELD", "fields": ["allOrNone"],
                                    "message": "this org plays allOrNone false only"}])  # fmt: skip
            named = Counter(r.get(ID_FIELD) for r in records)
            results = [self._upsert_one(r, named) for r in records]
        return Reply(200, results)

    def _upsert_one(self, given: dict[str, Any], named: Counter[Any]) -> dict[str, Any]:
        fields = {k: v for k, v in given.items() if k != "attributes"}
        contact_id = fields.pop(ID_FIELD, None)
        if (given.get("attributes") or {}).get("type") != "Contact" or "Id" in fields:
            return _failed("INVALID_FIELD", "records must be Contacts, without Id", [])
        if not contact_id:
            return _failed("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{ID_FIELD}]",
                           [ID_FIELD])  # fmt: skip
        if named[contact_id] > 1:
            return _failed("DUPLICATE_VALUE", f"Duplicate external id specified: {contact_id}",
                           [ID_FIELD])  # fmt: skip
        matches = self.contacts.get(contact_id, [])
        if len(matches) > 1:
            ids = ", ".join(str(r["Id"]) for r in matches)
            return _failed("DUPLICATE_EXTERNAL_ID",
                           f"Contact: more than one record found for external id field: [{ids}]",
                           [])  # fmt: skip
        if contact_id in self.locked:
            return _failed("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this "
                           "record or 1 records", [])  # fmt: skip
        errors = self._invalid(contact_id, fields, creating=not matches)
        if errors:
            return {"success": False, "errors": errors}
        record, created = self._write(contact_id, fields)
        return {"id": record["Id"], "success": True, "errors": [], "created": created}

    def _invalid(self, contact_id: str, fields: dict[str, Any], creating: bool
                 ) -> list[dict[str, Any]]:  # fmt: skip
        errors = []
        email = fields.get("Email")
        if email is not None and "@" not in email:
            errors.append(_error("INVALID_EMAIL_ADDRESS", f"Email: invalid email address: {email}",
                                 ["Email"]))  # fmt: skip
        if creating and not fields.get("LastName"):
            errors.append(_error("REQUIRED_FIELD_MISSING", "Required fields are missing: "
                                 "[LastName]", ["LastName"]))  # fmt: skip
        return errors

    def _write(self, contact_id: str, fields: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        matches = self.contacts.setdefault(contact_id, [])
        created = not matches
        if created:
            matches.append({"Id": self._new_id(), ID_FIELD: contact_id})
        matches[0].update(fields)
        self.writes[contact_id] += 1
        return matches[0], created

    def _query(self, request: Seen) -> Reply:
        with self.lock:
            refused = self._gate(request, "GET")
            if refused is not None:
                return refused
            try:
                wanted = set(parse_in_list(request.query.get("q", "")))
            except ValueError as error:
                return Reply(400, [{"message": str(error), "errorCode": "MALFORMED_QUERY"}])
            rows = [{"attributes": {"type": "Contact", "url": f"{BASE}/sobjects/Contact/{r['Id']}"},
                     "Id": r["Id"], ID_FIELD: r[ID_FIELD], SYNC_FIELD: r.get(SYNC_FIELD)}
                    for records in self.contacts.values() for r in records
                    if r[ID_FIELD] in wanted]  # fmt: skip
            return self._page(rows, len(rows))

    def _more(self, request: Seen) -> Reply:
        with self.lock:
            refused = self._gate(request, "GET")
            if refused is not None:
                return refused
            left = self.pages.pop(request.path.removeprefix(MORE), None)
            if left is None:
                return Reply(400, [{"message": "invalid query locator",
                                    "errorCode": "INVALID_QUERY_LOCATOR"}])  # fmt: skip
            return self._page(*left)

    def _page(self, rows: list[dict[str, Any]], total: int) -> Reply:
        shown, left = rows[: self.page_size], rows[self.page_size :]
        body: dict[str, Any] = {"totalSize": total, "done": not left, "records": shown}
        if left:
            locator = f"01gLOCAL{next(self.ids):010d}-{self.page_size}"
            self.pages[locator] = (left, total)
            body["nextRecordsUrl"] = f"{MORE}{locator}"
        return Reply(200, body)


def _error(code: str, message: str, fields: list[str]) -> dict[str, Any]:
    return {"statusCode": code, "message": message, "fields": fields}


def _failed(code: str, message: str, fields: list[str]) -> dict[str, Any]:
    return {"success": False, "errors": [_error(code, message, fields)]}


def parse_in_list(soql: str) -> list[str]:
    """The ids of the one query escucha sends, each string literal read as SOQL reads it;
    ValueError for any other text, such as a literal that ended early."""
    if not soql.startswith(SELECT):
        raise ValueError(f"unexpected query: {soql[:80]}")
    text, at, values = soql, len(SELECT), []
    while True:
        at = _skip_spaces(text, at)
        if text[at : at + 1] != "'":
            raise ValueError(f"expected a string literal at {at}")
        value, at = _literal(text, at + 1)
        values.append(value)
        at = _skip_spaces(text, at)
        if text[at : at + 1] == ")":
            break
        if text[at : at + 1] != ",":
            raise ValueError(f"expected ',' or ')' at {at}")
        at += 1
    if text[at + 1 :].strip():
        raise ValueError(f"unexpected text after the IN list: {text[at + 1 :][:80]}")
    return values


def _skip_spaces(text: str, at: int) -> int:
    while text[at : at + 1].isspace():
        at += 1
    return at


def _literal(text: str, at: int) -> tuple[str, int]:
    """A string literal's value from just after its opening quote; where it ended."""
    out = []
    while at < len(text):
        char = text[at]
        if char == "'":
            return "".join(out), at + 1
        if char == "\\":
            out.append(_escape(text, at + 1))
            at += 6 if text[at + 1 : at + 2] in ("u", "U") else 2
            continue
        out.append(char)
        at += 1
    raise ValueError("unterminated string literal")


def _escape(text: str, at: int) -> str:
    code = text[at : at + 1]
    if code in ("u", "U"):
        return chr(int(text[at + 1 : at + 5], 16))
    if code.lower() in UNESCAPED:
        return UNESCAPED[code.lower()] if code.isalpha() else UNESCAPED[code]
    raise ValueError(f"invalid escape \\{code}")  # SOQL: a backslash anywhere else is an error
