"""Meta webhooks: Facebook Page `feed` and `mention` changes, Instagram `comments`,
`live_comments` and `mentions`, and direct messages to either (Messenger's `messages`).

Envelope: {"object": "page"|"instagram", "entry": [{"id": <page or IG account>, "time": ...,
"changes": [{"field": ..., "value": {...}}]}]}; a direct message comes as
{"messaging": [{"sender": {"id": <PSID>}, "recipient": {"id": <page>}, "timestamp": <ms>,
"message": {"mid": ..., "text": ...}}]} on the entry. Shapes follow Meta's webhook reference and the
payloads well-used clients test against (restfb's webhook fixtures, bottender's events); see
tests/fixtures/platforms/README.md for each one's source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from escucha.channels.sources.changes import Changes
from escucha.channels.sources.envelope import (
    TenantFor,
    field,
    ident,
    objects,
    refused,
    require_list,
    require_object,
    text,
    unmapped_reason,
)
from escucha.core.models import mention_id, post_ref
from escucha.pipeline.ingest import Row

FACEBOOK = "facebook"
INSTAGRAM = "instagram"
OBJECTS = {"page": FACEBOOK, "instagram": INSTAGRAM}
POSTED = {"add", "edited", "edit"}  # Graph sends both spellings of an edit (restfb #749)
REMOVED = {"remove", "delete"}
CONTENT_ITEMS = {"comment", "post", "status", "photo", "video", "share"}


@dataclass(frozen=True)
class _Context:
    source: str
    tenant: str
    account: str  # the Page or Instagram account the entry is for
    time: Any
    where: str


def parse(payload: Any, tenant_for: TenantFor) -> Changes:
    """Every change in a delivery, in order; unknown fields are counted as ignored."""
    envelope = require_object(payload, "the delivery")
    entries = require_list(envelope.get("entry"), "'entry'")
    source = OBJECTS.get(str(envelope.get("object")))
    if source is None:
        return Changes(ignored=len(entries))  # user, permissions, whatsapp...: not listening
    changes = Changes()
    for where, entry in objects(entries, "entry"):
        if isinstance(entry, Row):
            changes.upserts.append(entry)
        else:
            changes.extend(_entry(entry, where, source, tenant_for))
    return changes


def _entry(entry: Mapping[str, Any], where: str, source: str, tenant_for: TenantFor) -> Changes:
    account = ident(entry.get("id")) or ""
    tenant = tenant_for(f"meta:{account}")
    if "messaging" in entry:
        return _messaging(entry["messaging"], _Context(source, tenant or "", account,
                          entry.get("time"), f"{where}.messaging"), tenant is None)  # fmt: skip
    listed = entry.get("changes")
    if listed is None and "field" in entry:
        listed = [entry]  # Instagram-login deliveries put one field and value on the entry
    if listed is None:
        return Changes(ignored=1)  # `changed_fields` only
    if not isinstance(listed, list):
        return Changes(upserts=[refused(listed, f"{where}.changes", "expected an array")])
    changes = Changes()
    for location, change in objects(listed, f"{where}.changes"):
        if isinstance(change, Row):
            changes.upserts.append(change)
            continue
        handler = HANDLERS.get(str(change.get("field")))
        if handler is None:
            changes.ignored += 1
        elif tenant is None:
            changes.refuse(change, f"meta {location}", unmapped_reason(f"meta:{account}"))
            changes.unmapped.add(f"meta:{account}")
        elif not isinstance(change.get("value"), Mapping):
            changes.refuse(change, f"meta {location}", "'value' must be an object", tenant)
        else:
            ctx = _Context(source, tenant, account, entry.get("time"), f"meta {location}")
            changes.extend(handler(change["value"], ctx))
    return changes


def _author(value: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(name, id) from `from`, else Graph v2.5's `sender_name` / `sender_id`."""
    sender = field(value, "from")
    author_id = ident(sender.get("id")) or ident(value.get("sender_id"))
    name = (
        text(sender.get("name")) or text(sender.get("username")) or text(value.get("sender_name"))
    )
    return name, author_id


def _target(value: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(item, id) a feed or mention change is about: its comment, else its post."""
    item = text(value.get("item"))  # text(): a list here would not be hashable
    return item, ident(value.get("comment_id") if item == "comment" else value.get("post_id"))


def _unless_posted(value: Mapping[str, Any], ctx: _Context, external: str | None) -> Changes | None:
    """A removal's delete, or an ignored verb (hide, unhide, block, mute...); None for a post
    or an edit, which the caller turns into a row."""
    verb = text(value.get("verb"))
    if verb in REMOVED and external:
        return Changes(deletes=[mention_id(ctx.tenant, FACEBOOK, external)])
    return None if verb in POSTED else Changes(ignored=1)


def _feed(value: Mapping[str, Any], ctx: _Context) -> Changes:
    item, external = _target(value)
    if item not in CONTENT_ITEMS:
        return Changes(ignored=1)  # reactions, likes, events, ratings...
    if (settled := _unless_posted(value, ctx, external)) is not None:
        return settled
    name, author_id = _author(value)
    return _post(value, ctx, external, name, author_id)


def _post(
    value: Mapping[str, Any],
    ctx: _Context,
    external: str | None,
    name: str | None,
    author_id: str | None,
) -> Changes:
    parent = ident(value.get("parent_id")) or ident(value.get("post_id"))
    post = ident(value.get("post_id"))
    row = {
        "id": external,
        "source": FACEBOOK,
        "tenant": ctx.tenant,
        "text": value.get("message"),
        "author": name or author_id,
        "author_id": author_id,
        "created_at": value.get("created_time") or ctx.time,
        "updated_at": ctx.time,  # when Meta sent this version: an edit comes later than its add
        "in_reply_to": _reply_ref(FACEBOOK, parent, external),
        "thread": _reply_ref(FACEBOOK, post, external),  # the post a comment is under
        "url": value.get("permalink_url") or value.get("link"),
        "inbound": author_id is None or author_id != ctx.account,  # the Page's own posts
        "addressed": True,  # Meta sends a Page only what happens on or to it
    }
    if row["author"] is None:
        return Changes(upserts=[Row(row, ctx.where, "no author: neither 'from' nor 'sender_id'")])
    return Changes(upserts=[Row(row, ctx.where)])


def _mention(value: Mapping[str, Any], ctx: _Context) -> Changes:
    """The Page @mentioned in someone's post or comment: the core listening signal.

    Live deliveries often carry no sender at all (restfb `mention-post-add-real.json`); the
    author is then the post's owner, the part of `post_id` before the underscore.
    """
    item, external = _target(value)
    if (settled := _unless_posted(value, ctx, external)) is not None:
        return settled
    if not text(value.get("message")):
        reason = (
            f"Page mention without its text ({item} {external}); fetch it with the Graph API "
            "(GET /{id}?fields=message,from,created_time) and import it"
        )
        return Changes(upserts=[Row({**value, "tenant": ctx.tenant}, ctx.where, reason)])
    name, author_id = _author(value)
    if author_id is None and item != "comment":  # a post's id starts with its owner's
        author_id = (ident(value.get("post_id")) or "").partition("_")[0] or None
    fallback = author_id or f"unknown author of comment {external}"
    return _post(value, ctx, external, name or fallback, author_id)


def _ig_comment(value: Mapping[str, Any], ctx: _Context) -> Changes:
    name, author_id = _author(value)
    media = field(value, "media")
    external = ident(value.get("id")) or ident(value.get("comment_id"))
    row = {
        "id": external,
        "source": INSTAGRAM,
        "tenant": ctx.tenant,
        "text": value.get("text"),
        "author": name or author_id,
        "author_id": author_id,
        "created_at": value.get("created_time") or value.get("timestamp") or ctx.time,
        "in_reply_to": _reply_ref(
            INSTAGRAM, ident(value.get("parent_id")) or ident(media.get("id")), external
        ),
        "thread": _reply_ref(INSTAGRAM, ident(media.get("id")), external),
        "inbound": author_id is None or author_id != ctx.account,
        "addressed": True,
    }
    if row["author"] is None:
        # Comments delivered before October 2021 were only {id, text}.
        reason = "Instagram comment without its author ('from' is missing: a pre-2021 payload)"
        return Changes(upserts=[Row(row, ctx.where, reason)])
    return Changes(upserts=[Row(row, ctx.where)])


def _ig_mention(value: Mapping[str, Any], ctx: _Context) -> Changes:
    if value.get("text"):
        external = value.get("comment_id") or value.get("media_id")
        return _ig_comment({**value, "id": external}, ctx)
    # The webhook carries only ids; the text needs a Graph API call with the channel's token.
    problem = (
        "Instagram mention without text (media_id={}, comment_id={}); fetch it with the Graph "
        "API (mentioned_comment / mentioned_media) and import it".format(
            value.get("media_id"), value.get("comment_id")
        )
    )
    return Changes(upserts=[Row({**value, "tenant": ctx.tenant}, ctx.where, problem)])


def _messaging(listed: Any, ctx: _Context, unmapped: bool) -> Changes:
    """Direct messages, from people and the business's own (echoes: an answer made in Meta's
    inbox counts as one); reads, deliveries, reactions and postbacks are no message."""
    if not isinstance(listed, list):
        return Changes(upserts=[refused(listed, ctx.where, "expected an array")])
    changes = Changes()
    for where, event in objects(listed, ctx.where):
        if isinstance(event, Row):
            changes.upserts.append(event)
            continue
        message = field(event, "message")
        if not message or message.get("is_deleted"):
            changes.ignored += 1
        elif unmapped:
            changes.refuse(event, where, unmapped_reason(f"meta:{ctx.account}"))
            changes.unmapped.add(f"meta:{ctx.account}")
        else:
            changes.upserts.append(Row(_direct_row(event, message, ctx), where))
    return changes


def _direct_row(event: Mapping[str, Any], message: Mapping[str, Any], ctx: _Context
                ) -> dict[str, Any]:  # fmt: skip
    """Messenger names a person by their Page-scoped id only; it names the conversation too."""
    sender = ident(field(event, "sender").get("id"))
    echo = bool(message.get("is_echo"))
    person = ident(field(event, "recipient").get("id")) if echo else sender
    stamp = event.get("timestamp")
    kinds = [text(a.get("type")) for a in message.get("attachments") or [] if isinstance(a, dict)]
    said = text(message.get("text")) or (f"[{', '.join(k for k in kinds if k)}]" if kinds else None)
    return {
        "id": ident(message.get("mid")),
        "source": ctx.source,
        "tenant": ctx.tenant,
        "text": said,
        "author": sender,
        "author_id": sender,
        "created_at": datetime.fromtimestamp(stamp / 1000, UTC)  # milliseconds
        if isinstance(stamp, int | float) and not isinstance(stamp, bool) else ctx.time,
        "direct": True,
        "thread": post_ref(ctx.source, person) if person else None,
        "inbound": not echo and sender != ctx.account,
        "addressed": True,
    }  # fmt: skip


def _reply_ref(source: str, parent: str | None, own: str | None) -> str | None:
    return post_ref(source, parent) if parent and parent != own else None


HANDLERS: dict[str, Callable[[Mapping[str, Any], _Context], Changes]] = {
    "feed": _feed,
    "mention": _mention,
    "comments": _ig_comment,
    "live_comments": _ig_comment,
    "mentions": _ig_mention,
}
