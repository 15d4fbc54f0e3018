"""X (Twitter): Account Activity v1.1 envelopes and API v2 tweet objects."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from escucha.ingest import Row
from escucha.models import mention_id
from escucha.sources.changes import Changes

SOURCE = "x"
TenantFor = Callable[[str], str]


def parse(payload: Mapping[str, Any], tenant_for: TenantFor) -> Changes:
    """Either envelope: `for_user_id` + `tweet_create_events`, or v2 `data` + `includes`."""
    if "for_user_id" in payload or "tweet_create_events" in payload:
        return parse_account_activity(payload, tenant_for)
    if "data" in payload:
        return parse_v2(payload, tenant_for(f"x:{payload.get('for_user_id', '')}"))
    return Changes(ignored=1)


def parse_account_activity(payload: Mapping[str, Any], tenant_for: TenantFor) -> Changes:
    owner = str(payload.get("for_user_id", ""))
    tenant = tenant_for(f"x:{owner}")
    changes = Changes()
    for n, tweet in enumerate(payload.get("tweet_create_events") or []):
        changes.upserts.append(Row(_v1_row(tweet, owner, tenant), f"x tweet_create_events[{n}]"))
    for event in payload.get("tweet_delete_events") or []:
        status = event.get("status") or {}
        if status.get("id"):
            changes.deletes.append(mention_id(SOURCE, str(status["id"])))
    known = {"for_user_id", "tweet_create_events", "tweet_delete_events", "user_has_blocked"}
    changes.ignored += sum(1 for key in payload if key not in known)
    return changes


def _v1_row(tweet: Mapping[str, Any], owner: str, tenant: str) -> dict[str, Any]:
    user = tweet.get("user") or {}
    extended = tweet.get("extended_tweet") or {}
    reply_to = tweet.get("in_reply_to_status_id_str")
    screen_name = user.get("screen_name")
    return {
        "id": tweet.get("id_str"),
        "source": SOURCE,
        "tenant": tenant,
        "text": extended.get("full_text") or tweet.get("full_text") or tweet.get("text"),
        "author": screen_name,
        "author_followers": user.get("followers_count"),
        "created_at": tweet.get("created_at"),
        "in_reply_to": mention_id(SOURCE, reply_to) if reply_to else None,
        "url": _status_url(screen_name, tweet.get("id_str")),
        "inbound": str(user.get("id_str", "")) != owner,
    }


def parse_v2(payload: Mapping[str, Any], tenant: str, owner: str | None = None) -> Changes:
    """`data` (one object or a list) joined to `includes.users` on `author_id`."""
    data = payload.get("data") or []
    tweets = [data] if isinstance(data, Mapping) else list(data)
    users = {str(u.get("id")): u for u in (payload.get("includes") or {}).get("users") or []}
    changes = Changes()
    for n, tweet in enumerate(tweets):
        user = users.get(str(tweet.get("author_id")), {})
        row = _v2_row(tweet, user, tenant, owner)
        changes.upserts.append(Row(row, f"x data[{n}]"))
    return changes


def _v2_row(
    tweet: Mapping[str, Any], user: Mapping[str, Any], tenant: str, owner: str | None
) -> dict[str, Any]:
    replied = [
        r["id"] for r in tweet.get("referenced_tweets") or [] if r.get("type") == "replied_to"
    ]
    username = user.get("username") or tweet.get("author_id")
    return {
        "id": tweet.get("id"),
        "source": SOURCE,
        "tenant": tenant,
        "text": (tweet.get("note_tweet") or {}).get("text") or tweet.get("text"),
        "author": username,
        "author_followers": (user.get("public_metrics") or {}).get("followers_count"),
        "created_at": tweet.get("created_at"),
        "in_reply_to": mention_id(SOURCE, str(replied[0])) if replied else None,
        "url": _status_url(username, tweet.get("id")),
        "inbound": owner is None or str(tweet.get("author_id")) != owner,
    }


def _status_url(username: Any, tweet_id: Any) -> str | None:
    return f"https://x.com/{username}/status/{tweet_id}" if username and tweet_id else None
