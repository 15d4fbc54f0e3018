"""Mastodon: webhook events (`status.created`, `status.updated`) and API status objects.

A webhook body does not name the server that sent it, and status ids are only unique per
server, so the instance is the channel's (the route's, or ESCUCHA_MASTODON_INSTANCE), checked
against the status's federation `uri` (whose host is the server the status lives on).
A boost is a status of its own with empty content and the original in `reblog`: it is stored
as an amplification of the original, with the original's text. Quote posts carry a
`quote-inline` "RE: <url>" paragraph for old clients; it is dropped, as clients drop it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from escucha.channels.sources.changes import Changes
from escucha.channels.sources.envelope import (
    TenantFor,
    field,
    ident,
    require_object,
    text,
    unmapped_reason,
)
from escucha.channels.sources.html_text import to_text
from escucha.core.models import post_ref
from escucha.pipeline.ingest import Row

SOURCE = "mastodon"
UPSERT_EVENTS = {"status.created", "status.updated"}


def parse_event(payload: Any, tenant_for: TenantFor, instance: str) -> Changes:
    """One event from the webhook of `instance` (the channel's: its secret signed the body).

    A server fires status events only for its own statuses, so a status that names another
    host is refused: one instance's secret must not write another instance's mentions.
    """
    envelope = require_object(payload, "the delivery")
    if text(envelope.get("event")) not in UPSERT_EVENTS:
        return Changes(ignored=1)
    status = envelope.get("object")
    changes = Changes()
    where = f"mastodon object ({envelope['event']})"
    if not isinstance(status, Mapping):
        changes.refuse(status, where, "'object' must be a status object")
        return changes
    named = instance_of(status, instance)
    if named != instance:
        reason = f"a status of {named} delivered by the webhook of {instance}"
        changes.refuse(status, where, reason)
        return changes
    tenant = tenant_for(f"mastodon:{instance}")
    if tenant is None:
        changes.refuse(status, where, unmapped_reason(f"mastodon:{instance}"))
        changes.unmapped.add(f"mastodon:{instance}")
        return changes
    row = status_row(status, tenant, instance)
    account = text(field(status, "account").get("acct")) or ""
    row["inbound"] = tenant_for(f"mastodon:{instance}/@{account.lstrip('@')}") != tenant
    row["addressed"] = any(
        tenant_for(f"mastodon:{instance}/@{text(named.get('acct')) or ''}") == tenant
        for named in status.get("mentions") or []
        if isinstance(named, dict)
    )  # an instance's webhook sends every status; one naming the tenant's account is to it
    if row["direct"]:
        row["thread"] = _conversation(status, account, instance, bool(row["inbound"]))
    changes.upserts.append(Row(row, where))
    return changes


def _conversation(status: Mapping[str, Any], author: str, instance: str, inbound: bool
                  ) -> str | None:  # fmt: skip
    """A direct status's conversation, named by the other person as 'host/acct': its author,
    or for our own the first account it names (account ids are only unique per instance)."""
    other = author if inbound else next(
        (text(m.get("acct")) for m in status.get("mentions") or [] if isinstance(m, dict)), None
    )  # fmt: skip
    return post_ref(SOURCE, f"{instance}/{other.lstrip('@')}") if other else None


def instance_of(status: Mapping[str, Any], default: str) -> str:
    for url in (status.get("uri"), field(status, "account").get("url"), status.get("url")):
        if isinstance(url, str) and (host := urlsplit(url).hostname):
            return host
    return default


def status_row(status: Mapping[str, Any], tenant: str, instance: str) -> dict[str, Any]:
    """A status's HTML `content` becomes text; a content warning is kept in front of it."""
    account = field(status, "account")
    original = field(status, "reblog")
    said = original or status
    reply_to = ident(status.get("in_reply_to_id"))
    body = to_text(text(said.get("content")) or "")
    warning = (text(said.get("spoiler_text")) or "").strip()
    boosted = ident(original.get("id"))
    return {
        "id": _global_id(status.get("uri") or status.get("url"), status.get("id"), instance),
        "source": SOURCE,
        "tenant": tenant,
        "text": f"{warning}\n{body}" if warning else body,
        "author": account.get("acct"),
        "author_id": ident(account.get("id")),
        "author_followers": account.get("followers_count"),
        "created_at": status.get("created_at"),
        "updated_at": status.get("edited_at"),
        "url": status.get("url") or original.get("url"),
        "in_reply_to": post_ref(SOURCE, f"{instance}/{reply_to}") if reply_to else None,
        "amplifies": post_ref(SOURCE, f"{instance}/{boosted}") if boosted else None,
        "direct": status.get("visibility") == "direct",  # seen only by those it names
    }


def _global_id(uri: Any, local_id: Any, instance: str) -> str | None:
    # Status ids are only unique per instance, so the instance is part of the id.
    local = ident(local_id)
    return f"{instance}/{local}" if local else (str(uri) if uri else None)
