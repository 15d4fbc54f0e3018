"""Feeding a tenant's CRM from its conversations: what escucha writes about a contact, when,
and one batch sent from the outbox.

A resolved case puts its customer's contact in the outbox once per cycle, only when the person
agreed to be in the CRM; a revoked consent writes once more, so the CRM learns the opt-out.
escucha writes the fields it owns and fills the ones the CRM owns only with what it knows: it
never sends a blank over a value a salesperson typed. A batch whose sender was cut off is read
back first, and the contact rows the CRM already has are marked sent without being written
again. Events (a case resolved, a lead) are their own rows: a webhook's events, a HubSpot
portal's notes and deals, each kept once-only by its CRM client (hubspot.py says how).
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import httpx

from escucha.care.crm_events import CASE, LEAD
from escucha.channels.crm.hubspot import Portal, deal_amount, deal_contacts
from escucha.channels.crm.writes import BatchOutcome, CrmAccount, Upsert
from escucha.core.backoff import after_transient
from escucha.core.errors import TRANSIENT_ERRORS, PermanentError
from escucha.core.models import as_utc
from escucha.core.tenant import Tenant, account_key
from escucha.store.cases import Cases, History
from escucha.store.contacts import GIVEN, Contacts, ContactView, identity_of
from escucha.store.crm_outbox import CONTACT_WRITE, Claimed, Conversions, CrmOutbox, NewWrite
from escucha.store.schema import MentionRow

MAX_ATTEMPTS = 10
SUMMARY = 300  # characters of the customer's first message a HubSpot note quotes
UNANSWERED: tuple[type[Exception], ...] = (*TRANSIENT_ERRORS, PermanentError)


class Owner(StrEnum):
    escucha = "escucha"  # always written
    crm = "crm"  # the CRM's people keep it: written only to fill it, never to blank it


FIELDS: Mapping[str, Owner] = {
    "escucha_handles": Owner.escucha,
    "escucha_crm_opt_in": Owner.escucha,
    "escucha_marketing_opt_in": Owner.escucha,
    "escucha_last_case": Owner.escucha,
    "escucha_name": Owner.escucha,  # the platform name; firstname is the salesperson's
    "email": Owner.crm,
    "phone": Owner.crm,
}


def outgoing(properties: Mapping[str, str | None]) -> dict[str, str]:
    """What may be sent: escucha's fields as they are, the CRM's only when escucha has a value,
    and nothing the map does not name."""
    sent = {}
    for name, value in properties.items():
        owner = FIELDS.get(name)
        if owner is Owner.escucha:
            sent[name] = value or ""
        elif owner is Owner.crm and value:
            sent[name] = value
    return sent


def contact_properties(view: ContactView, last_case: str | None) -> dict[str, str]:
    verified = {i.kind: i.value for i in view.identities if i.verified}
    handles = ";".join(f"{i.kind}:{i.value}" for i in view.identities if i.kind not in GIVEN)
    return outgoing({
        "escucha_handles": handles,
        "escucha_crm_opt_in": str(view.crm_opt_in).lower(),
        "escucha_marketing_opt_in": str(view.marketing_opt_in).lower(),
        "escucha_last_case": last_case,
        "escucha_name": view.name,
        "email": verified.get("email"),
        "phone": verified.get("phone"),
    })  # fmt: skip


def enqueue_resolved(cases: Cases, contacts: Contacts, outbox: CrmOutbox, tenant: str,
                     account: str, case_ids: list[str], now: datetime) -> int:  # fmt: skip
    """Put the contacts of these resolved cases in the outbox, once per cycle; how many."""
    added = 0
    for case_id in case_ids:
        history = cases.history(case_id)
        if history is None or history.case.tenant != tenant or history.case.resolved_at is None:
            continue
        customer = [m for m in history.mentions if m.inbound]
        if not customer:
            continue
        latest = customer[-1]
        kind, value = identity_of(latest.source, latest.author_id, latest.author)
        contact_id = contacts.ensure(tenant, kind, value, latest.author, now)
        view = contacts.view(tenant, contact_id)
        if not view.crm_opt_in:
            continue  # the person did not agree to be in the CRM
        added += _enqueue_case(outbox, account, view, history, customer[0], now)
    return added


def _enqueue_case(outbox: CrmOutbox, account: str, view: ContactView, history: History,
                  first: MentionRow, now: datetime) -> bool:  # fmt: skip
    """A resolved case's rows for one account. The row under `resolved_key` goes last: enqueue_due
    skips a case whose key is there, so a crash between two adds comes back for the rest (an add
    already made is a no-op)."""
    case, tenant = history.case, history.case.tenant
    key = resolved_key(account, case.id, case.cycle)
    fields = contact_properties(view, case.id)
    resolved_at = as_utc(case.resolved_at).isoformat() if case.resolved_at else ""
    facts = {"case_id": case.id, "cycle": str(case.cycle), "channel": case.source,
             "resolved_at": resolved_at}  # fmt: skip
    if is_webhook(account):
        # The contact's fields first, then the event, whose key is the one enqueue_due checks.
        contact = NewWrite(f"{account}:contact:{_digest(key)}", tenant, account, view.id, fields)
        outbox.add(contact, now)
        return outbox.add(NewWrite(key, tenant, account, view.id, facts, CASE), now)
    if is_hubspot(account):
        # The note first, then the contact's fields, which keep the key enqueue_due checks.
        note = {**facts, "summary": summary(first.text)}
        outbox.add(NewWrite(note_key(account, key), tenant, account, view.id, note, CASE), now)
    return outbox.add(NewWrite(key, tenant, account, view.id, fields), now)


def summary(text: str) -> str:
    """The customer's message on one line, at most SUMMARY characters."""
    line = " ".join(text.split())
    return line if len(line) <= SUMMARY else line[: SUMMARY - 1] + "…"


def note_key(account: str, key: str) -> str:
    """The outbox key of the HubSpot note of the case resolution under `key` (resolved_key)."""
    return f"{account}:note:{_digest(key)}"


def enqueue_leads(contacts: Contacts, outbox: CrmOutbox, tenant: str, account: str,
                  since: datetime, now: datetime) -> int:  # fmt: skip
    """A `lead.created` event for each purchase-intent post since `since` whose author agreed
    to be in the CRM, once per post; how many. Only webhooks carry it as an event: a HubSpot
    portal takes leads as deals (enqueue_deals)."""
    if not is_webhook(account):
        return 0
    added = 0
    for row, view in _leads(contacts, outbox, tenant, account, since, now):
        lead = {**_lead_facts(row), **contact_properties(view, row.case_id)}
        added += outbox.add(NewWrite(lead_key(account, row.id), tenant, account, view.id, lead,
                                     LEAD), now)  # fmt: skip
    return added


def enqueue_deals(contacts: Contacts, outbox: CrmOutbox, tenant: str, account: str,
                  since: datetime, now: datetime) -> int:  # fmt: skip
    """For a HubSpot portal, the same posts as `lead.created` rows, which it writes as deals on
    their authors' contacts, once per post; how many."""
    if not is_hubspot(account):
        return 0
    added = 0
    for row, view in _leads(contacts, outbox, tenant, account, since, now):
        # The contact first (its deal goes on it, and waits until it is in HubSpot); the lead
        # last, its key the one _leads looks for. A post outside a case blanks no last case.
        fields = contact_properties(view, row.case_id)
        if not row.case_id:
            fields.pop("escucha_last_case", None)
        outbox.add(NewWrite(f"{account}:lead-contact:{_digest(row.id)}", tenant, account,
                            view.id, fields), now)  # fmt: skip
        added += outbox.add(NewWrite(lead_key(account, row.id), tenant, account, view.id,
                                     _lead_facts(row), LEAD), now)  # fmt: skip
    return added


def _leads(contacts: Contacts, outbox: CrmOutbox, tenant: str, account: str, since: datetime,
           now: datetime) -> Iterator[tuple[MentionRow, ContactView]]:  # fmt: skip
    """The purchase-intent posts since `since` not yet in this account's outbox, each with its
    author's contact, when the author agreed to be in the CRM."""
    posts = [row for _, row in contacts.posts(tenant, since, now, intent="lead")]
    known = outbox.existing([lead_key(account, row.id) for row in posts])
    for row in posts:
        if lead_key(account, row.id) in known:
            continue
        kind, value = identity_of(row.source, row.author_id, row.author)
        view = contacts.view(tenant, contacts.ensure(tenant, kind, value, row.author, now))
        if view.crm_opt_in:
            yield row, view


def _lead_facts(row: MentionRow) -> dict[str, str]:
    return {"mention_id": row.id, "channel": row.source, "text": row.text[:1000],
            "url": row.url or "", "posted_at": as_utc(row.created_at).isoformat()}  # fmt: skip


def lead_key(account: str, mention_id: str) -> str:
    """The outbox key of a post's lead: once per CRM account and post."""
    return f"{account}:lead.created:{_digest(mention_id)}"


def is_webhook(account: str) -> bool:
    """Whether the account is a signed webhook rather than a CRM with an API of its own."""
    return account.startswith("webhook:")


def is_hubspot(account: str) -> bool:
    return account.startswith("hubspot:")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def resolved_key(account: str, case_id: str, cycle: int) -> str:
    """The outbox key of a case's resolution: once per CRM account and cycle."""
    return f"{account}:case.resolved:{case_id}:{cycle}"


def enqueue_consent(contacts: Contacts, outbox: CrmOutbox, tenant: str, account: str,
                    contact_id: str, now: datetime) -> bool:  # fmt: skip
    """After a change of consent: the CRM hears the contact's new word once. Someone the CRM
    never had, and who is not in it now, is not written at all; someone who left it is told
    only that, without their handles, e-mail or phone."""
    view = contacts.view(tenant, contact_id)
    if not view.crm_opt_in and not outbox.ever_sent(tenant, account, view.id):
        return False
    properties = contact_properties(view, None)
    if not view.crm_opt_in:
        properties = {k: v for k, v in properties.items() if k.endswith("_opt_in")}
    key = f"{account}:consent:{view.id}:{uuid.uuid4().hex[:12]}"
    return outbox.add(NewWrite(key, tenant, account, view.id, properties), now)


@dataclass
class BatchReport:
    sent: list[str] = field(default_factory=list)
    reconciled: list[str] = field(default_factory=list)  # found in the CRM, not written again
    dead: dict[str, str] = field(default_factory=dict)
    retried: list[str] = field(default_factory=list)


def send_batch(outbox: CrmOutbox, client: httpx.Client, crm: CrmAccount, tenant: str,
               account: str, now: datetime, jitter: Callable[[], float] = random.random
               ) -> BatchReport:  # fmt: skip
    """One batch of a tenant's due writes to one CRM account."""
    report = BatchReport()
    if _budget_spent(crm):
        return report  # claimed now, the batch would only wait again, an attempt spent
    claimed = outbox.claim_batch(tenant, account, now, crm.batch)
    if not claimed:
        return report
    pending = claimed  # what a failure of the whole batch falls on
    try:
        pending = _reconcile(outbox, client, crm, claimed, now, report)
        speaker = _speakers(pending)
        if speaker:
            spoken = {s.row.key: s for s in speaker.values()}.values()
            outcome = crm.upsert(client, [_upsert(c) for c in spoken])
            for c in pending:
                _settle(outbox, c, speaker[c.row.key].row.key, outcome, now, jitter, report)
    except PermanentError as error:  # about the whole batch: a bad token, a missing scope
        for c in pending:
            outbox.dead(c, str(error))
            report.dead[c.row.key] = str(error)
    except TRANSIENT_ERRORS as error:
        for c in pending:
            _retry(outbox, c, error, now, jitter, report)
    return report


def _budget_spent(crm: CrmAccount) -> bool:
    """Whether the account paces its calls and has none left right now."""
    return isinstance(crm, Portal) and crm.budget is not None and crm.budget.wait() > 0


def _speakers(pending: list[Claimed]) -> dict[str, Claimed]:
    """Row key → the row whose write carries it. One input per contact for its fields: HubSpot
    refuses a batch naming one id twice, so the newest such row speaks for its contact and older
    ones share its fate. An event (a case resolved, a lead) is its own news and speaks alone."""
    fields = sorted((c for c in pending if c.row.kind == CONTACT_WRITE),
                    key=lambda c: c.row.created_at)  # fmt: skip
    newest = {c.row.contact_id: c for c in fields}
    return {c.row.key: newest[c.row.contact_id] if c.row.kind == CONTACT_WRITE else c
            for c in pending}  # fmt: skip


def _upsert(claimed: Claimed) -> Upsert:
    row = claimed.row
    # Tried before, or its sender cut off: the CRM may have it (a timeout can hide a success).
    maybe_written = claimed.interrupted or row.attempts > 0
    return Upsert(row.key, row.contact_id, row.properties, row.kind, as_utc(row.created_at),
                  maybe_written)  # fmt: skip


def _settle(outbox: CrmOutbox, claimed: Claimed, trace: str, outcome: BatchOutcome,
            now: datetime, jitter: Callable[[], float], report: BatchReport) -> None:  # fmt: skip
    """Write down what the CRM answered for the write that carried this row (`trace`)."""
    if trace in outcome.written:
        outbox.sent(claimed, outcome.written[trace], now)
        report.sent.append(claimed.row.key)
    elif trace in outcome.refused or isinstance(outcome.failed.get(trace), PermanentError):
        reason = outcome.refused.get(trace) or str(outcome.failed[trace])
        outbox.dead(claimed, reason)
        report.dead[claimed.row.key] = reason
    else:
        error = outcome.failed.get(trace) or RuntimeError("the CRM did not answer for it")
        _retry(outbox, claimed, error, now, jitter, report)


def _reconcile(outbox: CrmOutbox, client: httpx.Client, crm: CrmAccount, claimed: list[Claimed],
               now: datetime, report: BatchReport) -> list[Claimed]:  # fmt: skip
    """Mark sent the cut-off contact rows the CRM already has; the rest still need writing.
    Events are not read back here: the CRM client keeps them once-only itself."""
    cut_off = [c for c in claimed if c.interrupted and c.row.kind == CONTACT_WRITE]
    if not cut_off:
        return claimed
    known = crm.read_back(client, [c.row.contact_id for c in cut_off])
    found = {c.row.contact_id: c for c in cut_off
             if known.get(c.row.contact_id, ("", ""))[1] == c.row.key}  # fmt: skip
    pending = []
    for c in claimed:
        newest = found.get(c.row.contact_id)
        if (c.row.kind == CONTACT_WRITE and newest is not None
                and c.row.created_at <= newest.row.created_at):  # fmt: skip
            # The CRM has this row, or a newer one of the same contact: nothing to write.
            outbox.sent(c, known[c.row.contact_id][0], now)
            report.reconciled.append(c.row.key)
        else:
            pending.append(c)
    return pending


def _retry(outbox: CrmOutbox, claimed: Claimed, error: BaseException, now: datetime,
           jitter: Callable[[], float], report: BatchReport) -> None:  # fmt: skip
    at, reason = after_transient(error, claimed.row.attempts, now, MAX_ATTEMPTS, jitter)
    if at is None:
        outbox.dead(claimed, reason)
        report.dead[claimed.row.key] = reason
    else:
        outbox.retry(claimed, at, reason)
        report.retried.append(claimed.row.key)


def enqueue_due(cases: Cases, contacts: Contacts, outbox: CrmOutbox,
                accounts_of: Callable[[str], list[str]], since: datetime, now: datetime
                ) -> int:  # fmt: skip
    """Put in the outbox the contacts of every case resolved since `since`, for each CRM
    account its tenant connected, skipping those already there without reading them."""
    by_tenant: dict[str, list[tuple[str, int]]] = {}
    for tenant, case_id, cycle in cases.resolved_since(since):
        by_tenant.setdefault(tenant, []).append((case_id, cycle))
    added = 0
    for tenant, resolved in by_tenant.items():
        for account in accounts_of(tenant):
            known = outbox.existing([resolved_key(account, c, n) for c, n in resolved])
            fresh = [c for c, n in resolved if resolved_key(account, c, n) not in known]
            added += enqueue_resolved(cases, contacts, outbox, tenant, account, fresh, now)
    return added


def enqueue_leads_due(contacts: Contacts, outbox: CrmOutbox, tenants: list[Tenant],
                      since: datetime, now: datetime,
                      accounts_of: Callable[[str], list[str]] | None = None) -> int:  # fmt: skip
    """`lead.created` rows for every tenant's signed webhooks and, among the CRM accounts
    `accounts_of` names, its HubSpot portals; how many were added."""
    added = 0
    for tenant in tenants:
        for name in tenant.accounts.crm_webhooks:
            account = account_key("crm_webhooks", name)
            added += enqueue_leads(contacts, outbox, tenant.id, account, since, now)
        for account in accounts_of(tenant.id) if accounts_of else []:
            added += enqueue_deals(contacts, outbox, tenant.id, account, since, now)
    return added


def attribute_conversions(conversions: Conversions, contacts: Contacts, client: httpx.Client,
                          portal_of: Callable[[str, str], Portal | None], now: datetime
                          ) -> int:  # fmt: skip
    """Find the contact of each won deal not yet attributed: the escucha contact the deal is
    associated with in the CRM, and the deal's amount, the revenue the ROR ledger attributes. A
    deal with none stays unattributed (a customer escucha never met); how many were attributed."""
    done = 0
    for conversion in conversions.unattributed(now):
        account = conversion.id.rpartition(":")[0]  # 'hubspot:<portal>'
        portal = portal_of(conversion.tenant, account)
        if portal is None:
            continue
        try:
            found = deal_contacts(client, portal, conversion.deal_id)
            # Anyone in the portal can edit escucha_contact_id: only this tenant's count.
            ours = [c for c in found if contacts.exists(conversion.tenant, c)]
            amount = deal_amount(client, portal, conversion.deal_id) if ours else None
        except UNANSWERED:
            continue  # the next tick asks again
        conversions.checked(conversion.id, ours[0] if ours else None, now, amount)
        done += bool(ours)
    return done
