"""Salesforce's REST API as escucha speaks it.

Contacts are upserted by an external ID field escucha owns (`Escucha_Id__c`), so the org's own
record ids never need to be known first: up to 200 a request through sObject Collections with
allOrNone false, whose answer lists every record in input order, so one refused record never
blocks the other 199. Each write also sets `Escucha_Sync_Key__c` to its outbox row's id: after a
sender is cut off mid-batch, a SOQL read of that field tells which rows the org already has, so
none is written twice.

An external ID that two contacts carry makes Salesforce write neither (300 for one record,
DUPLICATE_EXTERNAL_ID in a collection); no retry can fix that, so the refusal says a person must
merge them. Salesforce answers its API limits with 403 REQUEST_LIMIT_EXCEEDED, not 429: that one
is rate limiting, tried again later, while any other 403 stays permanent.

Contact.LastName is required on insert and is the salesperson's after that, and an upsert cannot
say "only when creating". So no write carries LastName at first; a record refused only for want
of one is new, and is sent once more with escucha's name for the person (or a placeholder). A
last name someone typed in the org is never overwritten, at the cost of one more call for a batch
that brings new contacts.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import httpx

from escucha.channels.crm.writes import BatchOutcome, Upsert
from escucha.core.errors import (
    TRANSIENT_ERRORS,
    PermanentError,
    RateLimited,
    check_response,
    retry_at,
)

ID_FIELD = "Escucha_Id__c"
SYNC_FIELD = "Escucha_Sync_Key__c"
BATCH = 200
API_VERSION = "v62.0"
NO_NAME = "(escucha)"  # LastName of a new contact escucha knows no name for
LAST_NAME_LENGTH = 80  # Contact.LastName's length in every org

FIELDS: Mapping[str, str] = {
    "escucha_handles": "Escucha_Handles__c",
    "escucha_crm_opt_in": "Escucha_CRM_Opt_In__c",
    "escucha_marketing_opt_in": "Escucha_Marketing_Opt_In__c",
    "escucha_last_case": "Escucha_Last_Case__c",
    "escucha_name": "Escucha_Name__c",
    "email": "Email",
    "phone": "Phone",
}
CHECKBOXES = frozenset({"escucha_crm_opt_in", "escucha_marketing_opt_in"})
MULTIPLE_MATCHES = "DUPLICATE_EXTERNAL_ID"  # a collection's word for the single record's 300
# A record's refusal that says "not now" rather than "never": the row is tried again later.
TRANSIENT_CODES = frozenset({"UNABLE_TO_LOCK_ROW"})
SOQL_ESCAPES = str.maketrans({"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r",
                              "\t": "\\t", "\b": "\\b", "\f": "\\f"})  # fmt: skip
UNANSWERED: tuple[type[Exception], ...] = (*TRANSIENT_ERRORS, PermanentError, ValueError)


@dataclass(frozen=True)
class Org:
    """A tenant's Salesforce org: where to call and with which OAuth access token."""

    url: str  # instance URL, e.g. https://acme.my.salesforce.com, or a local server in tests
    token: str = field(repr=False)
    batch: int = BATCH

    def upsert(self, client: httpx.Client, upserts: Sequence[Upsert]) -> BatchOutcome:
        return upsert_contacts(client, self, upserts)

    def read_back(self, client: httpx.Client, contact_ids: Sequence[str]
                  ) -> dict[str, tuple[str, str]]:  # fmt: skip
        return sync_keys(client, self, contact_ids)


@dataclass(frozen=True)
class _Answer:
    kind: Literal["written", "refused", "unnamed", "later"]
    text: str = ""  # the record's Salesforce id when written, the reason when refused


LATER = _Answer("later")


def upsert_contacts(client: httpx.Client, org: Org, upserts: Sequence[Upsert]
                    ) -> BatchOutcome:  # fmt: skip
    """One collection upsert (two when it brings new contacts); raises for an answer about the
    whole request (403 REQUEST_LIMIT_EXCEEDED, 5xx, 401)."""
    if len(upserts) > BATCH:
        raise ValueError(f"Salesforce takes at most {BATCH} records a request")
    if len({u.contact_id for u in upserts}) != len(upserts):
        raise ValueError("one record per contact: Salesforce refuses an external ID named twice")
    if not upserts:
        return BatchOutcome({}, {}, ())
    answers = _collection(client, org, upserts, named=False)
    unnamed = [i for i, a in enumerate(answers) if a.kind == "unnamed"]
    if unnamed:
        again = _named_again(client, org, [upserts[i] for i in unnamed])
        for i, answer in zip(unnamed, again, strict=True):
            answers[i] = answer
    return _outcome(upserts, answers)


def _named_again(client: httpx.Client, org: Org, new: Sequence[Upsert]) -> list[_Answer]:
    try:
        return _collection(client, org, new, named=True)
    except UNANSWERED:
        # The first request's writes stand and must still be told: only these wait for later.
        return [LATER] * len(new)


def _collection(client: httpx.Client, org: Org, upserts: Sequence[Upsert], named: bool
                ) -> list[_Answer]:  # fmt: skip
    records = [{"attributes": {"type": "Contact"}, ID_FIELD: u.contact_id, **_fields(u, named)}
               for u in upserts]  # fmt: skip
    response = client.patch(f"{_base(org)}/composite/sobjects/Contact/{ID_FIELD}",
                            json={"allOrNone": False, "records": records},
                            headers=_auth(org))  # fmt: skip
    _check(response)
    results = response.json()
    if not isinstance(results, list):
        results = []
    answers = [_answer(u, r, named) for u, r in zip(upserts, results, strict=False)]
    return answers + [LATER] * (len(upserts) - len(answers))


def upsert_one(client: httpx.Client, org: Org, upsert: Upsert) -> BatchOutcome:
    """One record by its external ID in the URL; raises for an answer about the request itself
    (403 REQUEST_LIMIT_EXCEEDED, 5xx, 401)."""
    answer = _patch(client, org, upsert, named=False)
    if answer.kind == "unnamed":  # nothing was written: asking again cannot write twice
        answer = _patch(client, org, upsert, named=True)
    return _outcome([upsert], [answer])


def _patch(client: httpx.Client, org: Org, upsert: Upsert, named: bool) -> _Answer:
    # The external ID is in the URL, and Salesforce wants it nowhere else.
    url = f"{_base(org)}/sobjects/Contact/{ID_FIELD}/{quote(upsert.contact_id, safe='')}"
    response = client.patch(url, json=_fields(upsert, named), headers=_auth(org))
    if response.status_code == 300:  # the body lists the matching records' URLs
        ids = [str(u).rsplit("/", 1)[-1] for u in _body_list(response)]
        return _Answer("refused", _merge_needed(upsert.contact_id, str(len(ids) or "several"),
                                                ", ".join(ids)))  # fmt: skip
    if response.status_code == 400 and _errors(response):  # without its error list: permanent
        return _answer(upsert, {"success": False, "errors": _errors(response)}, named)
    _check(response)
    if response.status_code == 204:  # an update as API versions before 46.0 answer it: no body
        return _Answer("written", "")
    return _Answer("written", str(response.json().get("id") or ""))


def _fields(upsert: Upsert, named: bool) -> dict[str, Any]:
    """The Contact fields of an upsert; properties the map does not name are not sent."""
    fields: dict[str, Any] = {}
    for name, value in upsert.properties.items():
        field = FIELDS.get(name)
        if field is None:
            continue
        # A checkbox takes a JSON boolean; an empty text field is cleared with null.
        fields[field] = value.lower() == "true" if name in CHECKBOXES else value or None
    fields[SYNC_FIELD] = upsert.trace
    if named:
        name = upsert.properties.get("escucha_name") or NO_NAME
        fields["LastName"] = name[:LAST_NAME_LENGTH]
    return fields


def _answer(upsert: Upsert, result: Mapping[str, Any], named: bool) -> _Answer:
    if result.get("success"):
        return _Answer("written", str(result.get("id") or ""))
    errors = [e for e in result.get("errors") or [] if isinstance(e, Mapping)]
    codes = {_code(e) for e in errors}
    if not named and any(_wants_last_name(e) for e in errors):
        return _Answer("unnamed")
    if MULTIPLE_MATCHES in codes:
        return _Answer("refused", _merge_needed(upsert.contact_id, "several", _reasons(errors)))
    if not errors or codes <= TRANSIENT_CODES:
        return LATER
    return _Answer("refused", _reasons(errors))


def _wants_last_name(error: Mapping[str, Any]) -> bool:
    return _code(error) == "REQUIRED_FIELD_MISSING" and "LastName" in (error.get("fields") or [])


def _merge_needed(contact_id: str, how_many: str, detail: str) -> str:
    reason = (f"MULTIPLE_MATCHES: {how_many} Salesforce contacts have {ID_FIELD}={contact_id}; "
              "a person must merge them")  # fmt: skip
    return f"{reason} ({detail})" if detail else reason


def _outcome(upserts: Sequence[Upsert], answers: Sequence[_Answer]) -> BatchOutcome:
    pairs = list(zip(upserts, answers, strict=True))
    written = {u.trace: a.text for u, a in pairs if a.kind == "written"}
    refused = {u.trace: a.text for u, a in pairs if a.kind == "refused"}
    unanswered = tuple(u.trace for u, a in pairs if a.kind in ("later", "unnamed"))
    return BatchOutcome(written, refused, unanswered)


def sync_keys(client: httpx.Client, org: Org, contact_ids: Sequence[str]
              ) -> dict[str, tuple[str, str]]:  # fmt: skip
    """For each contact the org has once: (its Salesforce id, the outbox row that last wrote it).
    A contact two records claim is left out: its next write is refused, naming the merge."""
    wanted = list(dict.fromkeys(contact_ids))
    rows: list[Mapping[str, Any]] = []
    for start in range(0, len(wanted), BATCH):  # keeps the query's URL well under 16 KB
        rows += _query(client, org, soql_in(wanted[start : start + BATCH]))
    claims: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        if row.get(ID_FIELD):
            claims.setdefault(str(row[ID_FIELD]), []).append(row)
    return {contact: (str(found[0].get("Id")), str(found[0].get(SYNC_FIELD) or ""))
            for contact, found in claims.items() if len(found) == 1}  # fmt: skip


def soql_in(contact_ids: Sequence[str]) -> str:
    """The read-back query for these contacts, each id a quoted SOQL string."""
    listed = ", ".join(soql_string(c) for c in contact_ids)
    return f"SELECT Id, {ID_FIELD}, {SYNC_FIELD} FROM Contact WHERE {ID_FIELD} IN ({listed})"


def soql_string(value: str) -> str:
    """A SOQL string literal: quote and backslash escaped, and the control characters SOQL
    names, so no value can end the literal early."""
    return f"'{value.translate(SOQL_ESCAPES)}'"


def _query(client: httpx.Client, org: Org, soql: str) -> list[Mapping[str, Any]]:
    response = client.get(f"{_base(org)}/query", params={"q": soql}, headers=_auth(org))
    rows: list[Mapping[str, Any]] = []
    while True:
        _check(response)
        body = response.json()
        rows += body.get("records") or []
        following = body.get("nextRecordsUrl")
        if body.get("done", True) or not following:
            return rows
        response = client.get(f"{org.url}{following}", headers=_auth(org))


def _check(response: httpx.Response) -> None:
    """check_response, with Salesforce's API limits as rate limiting and its error codes kept in
    a permanent error's reason."""
    if response.status_code == 403 and "REQUEST_LIMIT_EXCEEDED" in _codes(response):
        what = f"{response.request.method} {response.request.url.copy_with(query=None)}: 403"
        when = retry_at(response.headers, time.time())  # Salesforce sends none: a rolling 24 h
        raise RateLimited(f"{what}, rate limited (REQUEST_LIMIT_EXCEEDED)", when)
    try:
        check_response(response)
    except PermanentError as error:
        said = _reasons(_errors(response))
        raise PermanentError(f"{error}: {said}" if said else str(error), error.status) from error


def _errors(response: httpx.Response) -> list[Mapping[str, Any]]:
    """Salesforce's error list ([{errorCode, message, fields}]), or none if it sent another."""
    return [e for e in _body_list(response) if isinstance(e, Mapping)]


def _body_list(response: httpx.Response) -> list[Any]:
    try:
        body = response.json()
    except ValueError:
        return []
    return body if isinstance(body, list) else []


def _codes(response: httpx.Response) -> set[str]:
    return {_code(e) for e in _errors(response)}


def _code(error: Mapping[str, Any]) -> str:
    # A record in a collection says statusCode; a whole answer says errorCode.
    return str(error.get("statusCode") or error.get("errorCode") or "ERROR")


def _reasons(errors: Sequence[Mapping[str, Any]]) -> str:
    return "; ".join(f"{_code(e)}: {e.get('message') or ''}".strip() for e in errors)


def _base(org: Org) -> str:
    return f"{org.url}/services/data/{API_VERSION}"


def _auth(org: Org) -> dict[str, str]:
    return {"Authorization": f"Bearer {org.token}"}
