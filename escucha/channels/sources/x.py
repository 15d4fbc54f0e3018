"""X (Twitter): Activity API webhooks, Account Activity (v1.1 objects) and API v2 post objects.

Three envelopes reach the same endpoint (X's docs "event payloads" and "Account Activity data
objects"; tests/fixtures/platforms/README.md cites each sample):
- Activity API: {"data": {"event_type": "post.mention.create", "filter": {"user_id": ...},
  "payload": <v2 post>, "includes": {"users": [...]}}}
- Account Activity: {"for_user_id": ..., "tweet_create_events": [<v1.1 tweet>],
  "tweet_delete_events": [{"status": {"id": ..., "user_id": ...}}],
  "direct_message_events": [<message_create event>], "users": {<id>: {...}}}
- v2 objects (a poll or a push): {"data": <post or [posts]>, "includes": {"users": [...]}}
X escapes &, < and > in post text; escucha stores the text people wrote.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from escucha.channels.sources.changes import Changes
from escucha.channels.sources.envelope import (
    EnvelopeError,
    TenantFor,
    field,
    ident,
    objects,
    require_list,
    require_object,
    text,
    unmapped_reason,
)
from escucha.core.models import mention_id, post_ref
from escucha.pipeline.ingest import Row

SOURCE = "x"
POST_EVENTS = {
    "post.create", "post.mention.create", "post.reply.create", "post.quote.create",
    "post.repost.create",
}  # fmt: skip
DELETE_EVENTS = {"post.delete"}
V1_KNOWN = {
    "for_user_id", "tweet_create_events", "tweet_delete_events", "user_has_blocked",
    "direct_message_events", "users",
}  # fmt: skip


def parse(payload: Any, tenant_for: TenantFor) -> Changes:
    envelope = require_object(payload, "the delivery")
    data = envelope.get("data")
    if isinstance(data, Mapping) and "event_type" in data:
        return parse_activity(data, tenant_for)
    if any(key.endswith("_events") for key in envelope):
        return parse_account_activity(envelope, tenant_for)
    if "data" in envelope:
        return _v2_push(envelope, tenant_for)
    return Changes(ignored=1)


def _owner(value: Any, tenant_for: TenantFor) -> tuple[str, str | None]:
    owner = ident(value) or ""
    return owner, tenant_for(f"x:{owner}") if owner else None


def parse_activity(data: Mapping[str, Any], tenant_for: TenantFor) -> Changes:
    """One Activity API event: a post about the filtered account, or a delete."""
    kind = str(data.get("event_type"))
    owner, tenant = _owner(field(data, "filter").get("user_id"), tenant_for)
    if kind not in POST_EVENTS | DELETE_EVENTS:
        return Changes(ignored=1)  # likes, follows, DMs, oauth.revoke...
    where = f"x data.payload ({kind})"
    post = data.get("payload")
    changes = Changes()
    if not isinstance(post, Mapping):
        changes.refuse(post, where, "'payload' must be an object", tenant)
    elif tenant is None:
        changes.refuse(post, where, unmapped_reason(f"x:{owner}"))
        changes.unmapped.add(f"x:{owner}")
    elif kind in DELETE_EVENTS:
        if (post_id := ident(post.get("id"))) is None:
            changes.refuse(post, where, "a post.delete without the post's 'id'", tenant)
        else:
            changes.deletes.append(mention_id(tenant, SOURCE, post_id))
    else:
        includes = field(data, "includes")
        users, posts = _users(includes), _posts(includes)
        user = users.get(ident(post.get("author_id")) or "", {})
        changes.upserts.append(Row(_v2_row(post, user, tenant, owner, posts), where))
    return changes


def parse_account_activity(payload: Mapping[str, Any], tenant_for: TenantFor) -> Changes:
    owner, tenant = _owner(payload.get("for_user_id"), tenant_for)
    changes = Changes()
    created = require_list(payload.get("tweet_create_events", []), "'tweet_create_events'")
    deleted = require_list(payload.get("tweet_delete_events", []), "'tweet_delete_events'")
    if tenant is None and (created or deleted):
        changes.unmapped.add(f"x:{owner}")
    for where, tweet in objects(created, "x tweet_create_events"):
        if isinstance(tweet, Row):
            changes.upserts.append(tweet)
        elif tenant is None:
            changes.refuse(tweet, where, unmapped_reason(f"x:{owner}"))
        else:
            changes.upserts.append(Row(_v1_row(tweet, owner, tenant), where))
    for where, event in objects(deleted, "x tweet_delete_events"):
        tweet_id = None if isinstance(event, Row) else ident(field(event, "status").get("id"))
        if isinstance(event, Row):
            changes.upserts.append(event)
        elif tweet_id is None:
            changes.refuse(event, where, "a delete event without 'status.id'", tenant)
        elif tenant is None:
            changes.refuse(event, where, unmapped_reason(f"x:{owner}"))
        else:
            changes.deletes.append(mention_id(tenant, SOURCE, tweet_id))
    changes.extend(_direct_messages(payload, owner, tenant))
    changes.ignored += sum(1 for key in payload if key not in V1_KNOWN)
    return changes


def _direct_messages(payload: Mapping[str, Any], owner: str, tenant: str | None) -> Changes:
    """DMs the account received, and the ones it sent (an answer made in X's own app)."""
    listed = require_list(payload.get("direct_message_events", []), "'direct_message_events'")
    users = field(payload, "users")
    changes = Changes()
    for where, event in objects(listed, "x direct_message_events"):
        if isinstance(event, Row):
            changes.upserts.append(event)
            continue
        created = field(event, "message_create")
        sender = ident(created.get("sender_id"))
        if event.get("type") != "message_create":
            changes.ignored += 1
        elif tenant is None:
            changes.refuse(event, where, unmapped_reason(f"x:{owner}"))
            changes.unmapped.add(f"x:{owner}")
        else:
            user = field(users, sender or "")
            changes.upserts.append(Row(_dm_row(event, created, user, owner, tenant), where))
    return changes


def _dm_row(event: Mapping[str, Any], created: Mapping[str, Any], user: Mapping[str, Any],
            owner: str, tenant: str) -> dict[str, Any]:  # fmt: skip
    """The conversation is named by the other person: the sender, or whom we wrote to."""
    stamp = ident(event.get("created_timestamp"))
    sender = ident(created.get("sender_id"))
    ours = sender == owner
    person = ident(field(created, "target").get("recipient_id")) if ours else sender
    return {
        "id": ident(event.get("id")),
        "source": SOURCE,
        "tenant": tenant,
        "text": _unescaped(text(field(created, "message_data").get("text"))),
        "author": text(user.get("screen_name")) or sender,
        "author_id": sender,
        "created_at": datetime.fromtimestamp(int(stamp) / 1000, UTC)
        if stamp and stamp.isdigit() else None,  # milliseconds, as a string
        "direct": True,
        "thread": post_ref(SOURCE, person) if person else None,
        "inbound": not ours,
        "addressed": True,
    }  # fmt: skip


def _unescaped(value: str | None) -> str | None:
    return html.unescape(value) if value else value


def _v1_text(tweet: Mapping[str, Any]) -> str | None:
    extended = field(tweet, "extended_tweet")
    return (
        text(extended.get("full_text")) or text(tweet.get("full_text")) or text(tweet.get("text"))
    )


def _v1_row(tweet: Mapping[str, Any], owner: str, tenant: str) -> dict[str, Any]:
    """A retweet's own text is a truncated "RT @a: …"; the original's full text is what it says."""
    user = field(tweet, "user")
    original = field(tweet, "retweeted_status")
    tweet_id, screen_name = ident(tweet.get("id_str")), text(user.get("screen_name"))
    reply_to = ident(tweet.get("in_reply_to_status_id_str"))
    author_id = ident(user.get("id_str"))
    amplified = ident(original.get("id_str"))
    return {
        "id": tweet_id,
        "source": SOURCE,
        "tenant": tenant,
        "text": _unescaped(_v1_text(original) if original else _v1_text(tweet)),
        "author": screen_name,
        "author_id": author_id,
        "author_followers": user.get("followers_count"),
        "created_at": tweet.get("created_at"),
        "in_reply_to": post_ref(SOURCE, reply_to) if reply_to else None,
        "amplifies": post_ref(SOURCE, amplified) if amplified else None,
        "url": _status_url(screen_name, tweet_id),
        "inbound": author_id != owner,
        "addressed": True,  # delivered for the owner's account: a mention, reply or message
    }


def _users(includes: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """`includes.users` by id; post.delete samples wrap each user as {"data": {...}}."""
    found: dict[str, Mapping[str, Any]] = {}
    users = includes.get("users")
    for user in users if isinstance(users, list) else []:
        if isinstance(user, Mapping):
            user = field(user, "data") or user
            if user_id := ident(user.get("id")):
                found[user_id] = user
    return found


def _posts(includes: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    posts = includes.get("tweets")
    listed = posts if isinstance(posts, list) else []
    return {
        post_id: post
        for post in listed
        if isinstance(post, Mapping) and (post_id := ident(post.get("id")))
    }


def _v2_push(payload: Mapping[str, Any], tenant_for: TenantFor) -> Changes:
    if not isinstance(payload.get("data"), Mapping | list):
        raise EnvelopeError("'data' must be a post object or an array of them")
    owner, tenant = _owner(payload.get("for_user_id"), tenant_for)
    if tenant is None:
        changes = Changes(unmapped={f"x:{owner}"})
        changes.refuse(payload.get("data"), "x data", unmapped_reason(f"x:{owner}"))
        return changes
    return parse_v2(payload, tenant, owner)


def parse_v2(payload: Mapping[str, Any], tenant: str, owner: str | None = None) -> Changes:
    """`data` (one object or a list) joined to `includes.users` on `author_id`."""
    data = payload.get("data") or []
    if not isinstance(data, Mapping | list):
        raise EnvelopeError("'data' must be a post object or an array of them")
    includes = field(payload, "includes")
    users, posts = _users(includes), _posts(includes)
    changes = Changes()
    for where, tweet in objects([data] if isinstance(data, Mapping) else data, "x data"):
        if isinstance(tweet, Row):
            changes.upserts.append(tweet)
            continue
        user = users.get(ident(tweet.get("author_id")) or "", {})
        changes.upserts.append(Row(_v2_row(tweet, user, tenant, owner, posts), where))
    return changes


def _references(post: Mapping[str, Any]) -> dict[str, str]:
    listed = post.get("referenced_tweets")
    found: dict[str, str] = {}
    for reference in listed if isinstance(listed, list) else []:
        if isinstance(reference, Mapping) and (ref_id := ident(reference.get("id"))):
            found.setdefault(str(reference.get("type")), ref_id)
    return found


def _v2_text(post: Mapping[str, Any]) -> str | None:
    return text(field(post, "note_tweet").get("text")) or text(post.get("text"))


def _v2_row(
    post: Mapping[str, Any],
    user: Mapping[str, Any],
    tenant: str,
    owner: str | None,
    posts: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    references = _references(post)
    replied = references.get("replied_to") or ident(post.get("in_reply_to_tweet_id"))
    amplified = references.get("retweeted")
    original = posts.get(amplified or "", {})
    author_id = ident(post.get("author_id"))
    username = text(user.get("username")) or author_id
    post_id = ident(post.get("id"))
    return {
        "id": post_id,
        "source": SOURCE,
        "tenant": tenant,
        "text": _unescaped(_v2_text(original) or _v2_text(post)),
        "author": username,
        "author_id": author_id,
        "author_followers": field(user, "public_metrics").get("followers_count"),
        "created_at": post.get("created_at"),
        "in_reply_to": post_ref(SOURCE, replied) if replied else None,
        "amplifies": post_ref(SOURCE, amplified) if amplified else None,
        "thread": post_ref(SOURCE, root)
        if (root := ident(post.get("conversation_id"))) and root != post_id
        else None,
        "url": _status_url(username, post_id),
        "inbound": owner is None or author_id != owner,
        "addressed": owner is not None,
    }


def _status_url(username: Any, tweet_id: Any) -> str | None:
    return f"https://x.com/{username}/status/{tweet_id}" if username and tweet_id else None
