"""Mastodon: webhook events (`status.created`, `status.updated`) and API status objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from escucha.ingest import Row
from escucha.models import mention_id
from escucha.sources.changes import Changes
from escucha.sources.html_text import to_text

SOURCE = "mastodon"
UPSERT_EVENTS = {"status.created", "status.updated"}


def parse_event(payload: Mapping[str, Any], tenant: str, instance: str) -> Changes:
    if payload.get("event") not in UPSERT_EVENTS:
        return Changes(ignored=1)
    status = payload.get("object") or {}
    return Changes(upserts=[Row(status_row(status, tenant, instance), "mastodon object")])


def status_row(status: Mapping[str, Any], tenant: str, instance: str) -> dict[str, Any]:
    """A status's HTML `content` becomes text; a content warning is kept in front of it."""
    account = status.get("account") or {}
    reply_to = status.get("in_reply_to_id")
    text = to_text(status.get("content") or "")
    warning = (status.get("spoiler_text") or "").strip()
    return {
        "id": _global_id(status.get("uri") or status.get("url"), status.get("id"), instance),
        "source": SOURCE,
        "tenant": tenant,
        "text": f"{warning}\n{text}" if warning else text,
        "author": account.get("acct"),
        "author_followers": account.get("followers_count"),
        "created_at": status.get("created_at"),
        "url": status.get("url"),
        "in_reply_to": mention_id(SOURCE, f"{instance}/{reply_to}") if reply_to else None,
    }


def _global_id(uri: Any, local_id: Any, instance: str) -> str | None:
    # Status ids are only unique per instance, so the instance is part of the id.
    return f"{instance}/{local_id}" if local_id else (str(uri) if uri else None)
