"""Which case a stored message joins, decided in the transaction that stores it.

A reply joins the thread it answers; a person's direct messages are one conversation until
its case has been resolved for longer than the tenant's reopen window, and then the next one
opens a new case; a direct message from someone a private reply reached is linked to the
comment case that reply answered. Rows arrive as the mentions table's values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, or_, select

from escucha.core.models import as_utc, native_id
from escucha.core.tenant import Tenant
from escucha.nlp.pleasantries import is_pleasantry
from escucha.store.schema import CaseEventRow, CaseRow, MentionRow, OutboxRow, TenantRow

Rows = list[dict[str, Any]]
DEFAULT = Tenant().reopen_window_days  # a tenant not in the table: the model's default


def join(connection: Connection, rows: Rows, now: datetime) -> None:
    """Set each row's case as its thread, conversation and links say."""
    _join_reply_chains(connection, rows)
    _join_direct_messages(connection, rows)
    _link_private_replies(connection, rows, now)


def _join_reply_chains(connection: Connection, rows: Rows) -> None:
    """A customer's reply joins the case of what it answers, when that is their own earlier
    post or a reply the business sent them through escucha: a thread is one case, and a closing
    "gracias" under our answer is recorded there. Someone else's reply stays their own."""
    replies = [r for r in rows if r["in_reply_to"] and r["inbound"] and r["relevant"]]
    if not replies:
        return
    threads: dict[str, tuple[str, str]] = {}  # answered post's id → its case, the case's person
    answered = {f"{r['tenant']}:{r['in_reply_to']}" for r in replies}
    for post, case_id, author in connection.execute(
        select(MentionRow.id, MentionRow.case_id, MentionRow.author)
        .where(MentionRow.id.in_(answered), MentionRow.case_id.is_not(None))
    ):  # fmt: skip
        threads[post] = (str(case_id), author.lower())
    by_native = {}  # (platform, the platform's own id) → the post as replies name it
    for r in replies:
        source, _, post = r["in_reply_to"].partition(":")
        by_native[(source, native_id(source, post))] = r["in_reply_to"]
    sent = (
        select(OutboxRow.tenant, OutboxRow.platform, OutboxRow.platform_id, CaseRow.id,
               CaseRow.author)
        .join(CaseRow, CaseRow.id == OutboxRow.case_id)
        .where(OutboxRow.platform_id.in_({native for _, native in by_native}))
    )  # fmt: skip
    for tenant, platform, platform_id, case_id, author in connection.execute(sent):
        ref = by_native.get((platform, str(platform_id)))
        if ref is not None:
            threads.setdefault(f"{tenant}:{ref}", (case_id, author.lower()))
    for row in replies:
        case_id, person = threads.get(f"{row['tenant']}:{row['in_reply_to']}", (None, None))
        if case_id is not None and person == row["author"].lower():
            row["case_id"] = case_id


def _join_direct_messages(connection: Connection, rows: Rows) -> None:
    """A direct message joins its person's latest conversation, unless that was resolved longer
    ago than the reopen window: then it opens a new case (one per batch, not one per message).
    The business's own, or a mere "gracias", joins the latest and opens none. A message stored
    before keeps its case, so a redelivery moves nothing."""
    direct = [r for r in rows if r["direct"] and r["case_id"]]
    if not direct:
        return
    known = select(MentionRow.id, MentionRow.case_id).where(
        MentionRow.id.in_([r["id"] for r in direct])
    )
    stored = dict(connection.execute(known).all())
    fresh = []
    for row in direct:
        if row["id"] in stored:  # None stays None: our own message that joined nothing
            row["case_id"] = stored[row["id"]]
        else:
            fresh.append(row)
    if not fresh:
        return
    windows = _reopen_windows(connection, {r["tenant"] for r in fresh})
    latest = _latest_conversations(connection, {r["case_id"] for r in fresh})
    for row in sorted(fresh, key=lambda r: r["created_at"]):
        base, found = row["case_id"], latest.get(row["case_id"])
        if not row["inbound"]:  # our own message answers a conversation, never opens one
            row["case_id"] = found[0] if found else None
            continue
        if found is None:
            latest[base] = (base, None)
            continue
        case_id, resolved_at = found
        if is_pleasantry(row["text"]):  # a "gracias" is recorded where it is, opens nothing
            row["case_id"] = case_id
            continue
        if resolved_at is not None and row["created_at"] - resolved_at > windows[row["tenant"]]:
            digest = hashlib.sha256(row["id"].encode()).hexdigest()[:16]
            case_id = f"{base}~{digest}"
        latest[base] = (case_id, None)  # reopened or new: the batch's next message joins it
        row["case_id"] = case_id


def _latest_conversations(connection: Connection, bases: Iterable[str]
                          ) -> dict[str, tuple[str, datetime | None]]:  # fmt: skip
    """Each key's newest case (the base key, or one opened after a window) and when it was
    resolved, if it is resolved or closed."""
    bases = set(bases)
    reopened = (CaseRow.id.startswith(f"{base}~", autoescape=True) for base in bases)
    named = or_(CaseRow.id.in_(bases), *reopened)
    query = select(CaseRow.id, CaseRow.status, CaseRow.resolved_at, CaseRow.opened_at).where(named)
    latest: dict[str, tuple[str, datetime | None, datetime]] = {}
    for case_id, status, resolved_at, opened_at in connection.execute(query):
        base = case_id.partition("~")[0]
        over = as_utc(resolved_at) if resolved_at and status in ("resolved", "closed") else None
        if base not in latest or as_utc(opened_at) > latest[base][2]:
            latest[base] = (case_id, over, as_utc(opened_at))
    return {base: (case_id, over) for base, (case_id, over, _) in latest.items()}


def _reopen_windows(connection: Connection, tenants: Iterable[str]) -> dict[str, timedelta]:
    found = dict(connection.execute(
        select(TenantRow.id, TenantRow.document).where(TenantRow.id.in_(set(tenants)))
    ).all())  # fmt: skip
    days = {t: Tenant.model_validate(found[t]).reopen_window_days if t in found else DEFAULT
            for t in tenants}  # fmt: skip
    return {tenant: timedelta(days=n) for tenant, n in days.items()}


def _link_private_replies(connection: Connection, rows: Rows, now: datetime) -> None:
    """A direct message from the person a private reply reached links its case and the comment
    case that reply answered, both ways, once."""
    direct = [r for r in rows if r["direct"] and r["inbound"] and r["author_id"] and r["case_id"]]
    if not direct:
        return
    sent = connection.execute(
        select(OutboxRow.tenant, OutboxRow.platform, OutboxRow.recipient_id, OutboxRow.case_id,
               OutboxRow.sent_at)
        .where(OutboxRow.private.is_(True), OutboxRow.status == "sent",
               OutboxRow.case_id.is_not(None),
               OutboxRow.recipient_id.in_({r["author_id"] for r in direct}))
        .order_by(OutboxRow.sent_at)
    ).all()  # fmt: skip
    replies: dict[tuple[str, str, str], list[tuple[datetime, str]]] = {}
    for tenant, platform, person, case_id, sent_at in sent:
        if person and case_id and sent_at:  # the query asks for all three
            replies.setdefault((tenant, platform, person), []).append((as_utc(sent_at), case_id))
    pairs = set()
    for row in direct:
        earlier = [case_id for at, case_id in
                   replies.get((row["tenant"], row["source"], row["author_id"]), [])
                   if at <= row["created_at"]]  # fmt: skip
        answered = earlier[-1] if earlier else None  # the newest private reply before it
        if answered is not None and answered != row["case_id"]:
            pairs.add((row["tenant"], row["case_id"], answered))
    if not pairs:
        return
    linked = {(case_id, data.get("case")) for case_id, data in connection.execute(
        select(CaseEventRow.case_id, CaseEventRow.data).where(
            CaseEventRow.kind == "linked",
            CaseEventRow.case_id.in_({dm for _, dm, _ in pairs}))
    )}  # fmt: skip
    events = []
    for tenant, dm, comment in sorted(pairs):
        if (dm, comment) in linked:
            continue
        sides = ((dm, comment, "the private reply to this comment case"),
                 (comment, dm, "the direct messages its private reply opened"))  # fmt: skip
        for case_id, other, why in sides:
            events.append({"case_id": case_id, "tenant": tenant, "at": now, "kind": "linked",
                           "actor": "escucha", "data": {"case": other, "why": why}})  # fmt: skip
    if events:
        connection.execute(insert(CaseEventRow), events)
