"""Meta webhooks: Facebook Page `feed` changes and Instagram `comments` / `mentions`.

Payload shape: {"object": "page"|"instagram", "entry": [{"id": <page or IG account>,
"time": ..., "changes": [{"field": ..., "value": {...}}]}]}.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from escucha.ingest import Row
from escucha.models import mention_id
from escucha.sources.changes import Changes

FACEBOOK = "facebook"
INSTAGRAM = "instagram"
TenantFor = Callable[[str], str]


def parse(payload: Mapping[str, Any], tenant_for: TenantFor) -> Changes:
    """Every change in a delivery, in order; unknown fields are counted as ignored."""
    changes = Changes()
    source = INSTAGRAM if payload.get("object") == "instagram" else FACEBOOK
    for e, entry in enumerate(payload.get("entry") or []):
        account = str(entry.get("id", ""))
        for c, change in enumerate(entry.get("changes") or []):
            where = f"entry[{e}].changes[{c}]"
            value = change.get("value") or {}
            context = _Context(source, tenant_for(f"meta:{account}"), entry.get("time"), where)
            handler = HANDLERS.get(change.get("field", ""))
            if handler is None:
                changes.ignored += 1
            else:
                changes.extend(handler(value, context))
    return changes


class _Context:
    def __init__(self, source: str, tenant: str, time: Any, where: str) -> None:
        self.source, self.tenant, self.time, self.where = source, tenant, time, where


def _feed(value: Mapping[str, Any], ctx: _Context) -> Changes:
    item, verb = value.get("item"), value.get("verb")
    if item not in ("comment", "post", "status", "photo", "video"):
        return Changes(ignored=1)
    external = value.get("comment_id") if item == "comment" else value.get("post_id")
    if verb == "remove" and external:
        return Changes(deletes=[mention_id(FACEBOOK, str(external))])
    if verb not in ("add", "edited"):
        return Changes(ignored=1)
    author = value.get("from") or {}
    parent = value.get("parent_id") or value.get("post_id")
    row = {
        "id": external,
        "source": FACEBOOK,
        "tenant": ctx.tenant,
        "text": value.get("message"),
        "author": author.get("name") or author.get("id"),
        "created_at": value.get("created_time") or ctx.time,
        "in_reply_to": _reply_id(FACEBOOK, parent, external),
        "url": value.get("permalink_url") or value.get("link"),
    }
    return Changes(upserts=[Row(row, f"meta {ctx.where}")])


def _ig_comment(value: Mapping[str, Any], ctx: _Context) -> Changes:
    author = value.get("from") or {}
    media = value.get("media") or {}
    row = {
        "id": value.get("id"),
        "source": INSTAGRAM,
        "tenant": ctx.tenant,
        "text": value.get("text"),
        "author": author.get("username") or author.get("id"),
        "created_at": value.get("created_time") or value.get("timestamp") or ctx.time,
        "in_reply_to": _reply_id(INSTAGRAM, value.get("parent_id") or media.get("id"), None),
    }
    return Changes(upserts=[Row(row, f"meta {ctx.where}")])


def _ig_mention(value: Mapping[str, Any], ctx: _Context) -> Changes:
    if value.get("text"):
        return _ig_comment({**value, "id": value.get("comment_id") or value.get("media_id")}, ctx)
    # The webhook carries only ids; the text needs a Graph API call escucha does not make here.
    problem = (
        "Instagram mention without text (media_id={}, comment_id={}); fetch it with the Graph "
        "API and import it".format(value.get("media_id"), value.get("comment_id"))
    )
    return Changes(upserts=[Row(dict(value), f"meta {ctx.where}", problem)])


def _reply_id(source: str, parent: Any, own: Any) -> str | None:
    return mention_id(source, str(parent)) if parent and parent != own else None


HANDLERS: dict[str, Callable[[Mapping[str, Any], _Context], Changes]] = {
    "feed": _feed,
    "comments": _ig_comment,
    "mentions": _ig_mention,
}
