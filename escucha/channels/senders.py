"""Replies back to the platforms, each spoken as documented: build the request, read the id.

Building is pure (`request_for`), so tests check every field a platform reads; sending is one
HTTP call whose answer `check_response` classifies, plus the platform's own refusals that
no retry will change (a reply limited by the author on X, a second private reply on Facebook).
Base URLs come from the caller (settings), so local servers play the platforms in tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from escucha.core.errors import PermanentError, check_response

Platform = Literal["facebook", "instagram", "x", "mastodon"]
GRAPH_VERSION = "v21.0"


@dataclass(frozen=True)
class Outgoing:
    """One reply to send: to which post, saying what, and the key that makes it once-only."""

    platform: Platform
    in_reply_to: str  # the platform's id of the comment, post or status answered
    text: str
    idempotency_key: str
    private: bool = False  # Facebook: a private reply to a comment, through Messenger
    author_handle: str | None = None  # Mastodon: the author's @handle must be in the text
    visibility: str = "public"  # Mastodon: public, unlisted, private, direct
    direct: bool = False  # an answer in a direct-message conversation
    recipient: str | None = None  # a direct answer's person: PSID, IGSID or X user id


@dataclass(frozen=True)
class Credentials:
    token: str  # the Page, Instagram, X user or Mastodon account token: never logged
    base_url: str  # the Graph API, the X API, or the Mastodon instance
    page_id: str | None = None  # Facebook private replies go through the Page


def request_for(reply: Outgoing, creds: Credentials) -> httpx.Request:
    """The documented request for this platform."""
    base = creds.base_url.rstrip("/")
    bearer = {"Authorization": f"Bearer {creds.token}"}
    if reply.direct and reply.platform != "mastodon":
        return _direct_request(reply, creds, base, bearer)
    if reply.platform == "facebook" and reply.private:
        if not creds.page_id:
            raise PermanentError("a private reply needs the Page id of the channel")
        body = {"recipient": {"comment_id": reply.in_reply_to}, "message": {"text": reply.text}}
        url = f"{base}/{GRAPH_VERSION}/{creds.page_id}/messages"
        return httpx.Request("POST", url, json=body, headers=bearer)
    if reply.platform == "facebook":
        url = f"{base}/{GRAPH_VERSION}/{reply.in_reply_to}/comments"
        return httpx.Request("POST", url, data={"message": reply.text}, headers=bearer)
    if reply.platform == "instagram":
        url = f"{base}/{GRAPH_VERSION}/{reply.in_reply_to}/replies"
        return httpx.Request("POST", url, data={"message": reply.text}, headers=bearer)
    if reply.platform == "x":
        tweet: dict[str, Any] = {"text": reply.text}
        tweet["reply"] = {"in_reply_to_tweet_id": reply.in_reply_to}
        return httpx.Request("POST", f"{base}/2/tweets", json=tweet, headers=bearer)
    text = _addressed(reply.text, reply.author_handle)
    visibility = "direct" if reply.direct else reply.visibility
    form = {"status": text, "in_reply_to_id": reply.in_reply_to, "visibility": visibility}
    headers = bearer | {"Idempotency-Key": reply.idempotency_key}
    return httpx.Request("POST", f"{base}/api/v1/statuses", data=form, headers=headers)


def _direct_request(reply: Outgoing, creds: Credentials, base: str, bearer: dict[str, str]
                    ) -> httpx.Request:  # fmt: skip
    """An answer inside a DM conversation: Messenger's Send API (Instagram's too, through the
    professional account) as a RESPONSE within the 24-hour window, or X's one-to-one DM."""
    if not reply.recipient:
        raise PermanentError("a direct answer needs the person's id on the platform")
    if reply.platform == "x":
        url = f"{base}/2/dm_conversations/with/{reply.recipient}/messages"
        return httpx.Request("POST", url, json={"text": reply.text}, headers=bearer)
    if not creds.page_id:
        raise PermanentError("a direct answer needs the Page or account id of the channel")
    body = {"recipient": {"id": reply.recipient}, "messaging_type": "RESPONSE",
            "message": {"text": reply.text}}  # fmt: skip
    url = f"{base}/{GRAPH_VERSION}/{creds.page_id}/messages"
    return httpx.Request("POST", url, json=body, headers=bearer)


def _addressed(text: str, handle: str | None) -> str:
    """Mastodon shows a reply to its author only if the text mentions them."""
    if not handle:
        return text
    mention = "@" + handle.lstrip("@")
    if re.search(rf"(?<![\w@]){re.escape(mention)}(?![\w@.])", text, re.IGNORECASE):
        return text
    return f"{mention} {text}"


@dataclass(frozen=True)
class Receipt:
    """What the platform said it made: the reply's id, and for a private reply the person's
    id in the conversation it opened (Messenger's `recipient_id`)."""

    id: str
    recipient: str | None = None


def send(client: httpx.Client, reply: Outgoing, creds: Credentials) -> Receipt:
    """Send one reply. Raises TransientError or PermanentError."""
    response = client.send(request_for(reply, creds))
    _refused(reply, response)
    check_response(response)
    body = response.json()
    recipient = body.get("recipient_id") if reply.private and isinstance(body, dict) else None
    return Receipt(sent_id(reply, body), str(recipient) if recipient else None)


def sent_id(reply: Outgoing, body: Any) -> str:
    """The id the platform gave the reply, in each platform's answer shape."""
    if not isinstance(body, dict):
        raise PermanentError(f"{reply.platform} answered {type(body).__name__}, not an object")
    if reply.platform == "x":
        data = body.get("data") or {}
        found = data.get("dm_event_id") if reply.direct else data.get("id")
    elif reply.platform in ("facebook", "instagram") and (reply.private or reply.direct):
        found = body.get("message_id")
    else:
        found = body.get("id")
    if not isinstance(found, str | int) or isinstance(found, bool) or not str(found):
        raise PermanentError(f"{reply.platform} accepted the reply but sent no id: {body}")
    return str(found)


def _refused(reply: Outgoing, response: httpx.Response) -> None:
    """Refusals that look transient or generic but are final: say what the platform said."""
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        return
    error = body.get("error") if isinstance(body, dict) else None
    if reply.platform in ("facebook", "instagram") and isinstance(error, dict):
        message = str(error.get("message") or "")
        if "private_reply_already_used" in message or "already replied" in message.lower():
            raise PermanentError("this comment already had its one private reply", 400)
        if error.get("code") in (190, 10, 200):  # bad token, no permission
            raise PermanentError(f"Meta refused the token or permission: {message}", 400)
    if reply.platform == "x" and response.status_code == 403 and isinstance(body, dict):
        detail = str(body.get("detail") or body.get("title") or "")
        raise PermanentError(f"X refused the reply: {detail or 'forbidden'}", 403)


def find_sent(client: httpx.Client, reply: Outgoing, creds: Credentials, own_id: str) -> str | None:
    """The id of this reply if the platform already has it (an attempt cut off after the
    platform took it), else None. Mastodon needs no lookup: its Idempotency-Key makes the
    resend return the status it already made."""
    base, bearer = creds.base_url.rstrip("/"), {"Authorization": f"Bearer {creds.token}"}
    if reply.platform == "mastodon":
        return None
    if reply.direct:
        return _find_direct(client, reply, own_id, base, bearer)
    if reply.platform == "facebook" and reply.private:
        url = f"{base}/{GRAPH_VERSION}/{reply.in_reply_to}"
        found = _get(client, url, {"fields": "can_reply_privately"}, bearer)
        # Each comment takes one private reply: once it cannot take another, ours went out.
        return (
            f"private-reply:{reply.in_reply_to}"
            if found.get("can_reply_privately") is False
            else None
        )
    if reply.platform in ("facebook", "instagram"):
        edge = "comments" if reply.platform == "facebook" else "replies"
        url = f"{base}/{GRAPH_VERSION}/{reply.in_reply_to}/{edge}"
        found = _get(client, url, {"fields": "id,message,text,from", "limit": "100"}, bearer)
        for item in found.get("data") or []:
            said = item.get("message") or item.get("text")
            if (item.get("from") or {}).get("id") == own_id and said == reply.text:
                return str(item["id"])
        return None
    url = f"{base}/2/users/{own_id}/tweets"
    params = {"max_results": "20", "tweet.fields": "referenced_tweets"}
    for tweet in _get(client, url, params, bearer).get("data") or []:
        answered = {r.get("id") for r in tweet.get("referenced_tweets") or []
                    if r.get("type") == "replied_to"}  # fmt: skip
        if reply.in_reply_to in answered and tweet.get("text") == reply.text:
            return str(tweet["id"])
    return None


def _find_direct(client: httpx.Client, reply: Outgoing, own_id: str, base: str,
                 bearer: dict[str, str]) -> str | None:  # fmt: skip
    """Our answer among the conversation's latest messages: sent by us, with this text."""
    if reply.platform == "x":
        url = f"{base}/2/dm_conversations/with/{reply.recipient}/dm_events"
        params = {"dm_event.fields": "sender_id,text", "max_results": "20"}
        for event in _get(client, url, params, bearer).get("data") or []:
            if event.get("sender_id") == own_id and event.get("text") == reply.text:
                return str(event["id"])
        return None
    url = f"{base}/{GRAPH_VERSION}/{own_id}/conversations"
    params = {"user_id": str(reply.recipient), "fields": "messages.limit(20){id,message,from}"}
    if reply.platform == "instagram":
        params["platform"] = "instagram"
    for conversation in _get(client, url, params, bearer).get("data") or []:
        for message in (conversation.get("messages") or {}).get("data") or []:
            if (message.get("from") or {}).get("id") == own_id and (
                message.get("message") == reply.text
            ):
                return str(message["id"])
    return None


def _get(client: httpx.Client, url: str, params: dict[str, str], headers: dict[str, str]) -> Any:
    response = client.get(url, params=params, headers=headers)
    check_response(response)
    body = response.json()
    return body if isinstance(body, dict) else {}
