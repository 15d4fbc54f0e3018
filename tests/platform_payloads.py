"""Webhook and API payloads in each platform's documented shape, written for the tests."""

from __future__ import annotations

from typing import Any

PAGE_ID = "1029384756"
IG_ACCOUNT_ID = "17841400000000000"
X_OWNER_ID = "55500011"


def meta_comment(
    comment_id: str = "777_888", verb: str = "add", message: str | None = None
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "from": {"id": "4242", "name": "Lucía Pérez"},
        "item": "comment",
        "comment_id": comment_id,
        "post_id": "777_100",
        "parent_id": "777_100",
        "verb": verb,
        "created_time": 1763719200,
    }
    if verb != "remove":
        value["message"] = (
            message or "Llevo dos semanas esperando el reembolso y nadie responde. Vergonzoso."
        )
    return {
        "object": "page",
        "entry": [
            {"id": PAGE_ID, "time": 1763719201, "changes": [{"field": "feed", "value": value}]}
        ],
    }


def instagram_comment(comment_id: str = "17865799348089039") -> dict[str, Any]:
    return {
        "object": "instagram",
        "entry": [{
            "id": IG_ACCOUNT_ID,
            "time": 1763719300,
            "changes": [{
                "field": "comments",
                "value": {
                    "from": {"id": "232323", "username": "viajera.mx"},
                    "media": {"id": "123123", "media_product_type": "FEED"},
                    "id": comment_id,
                    "text": "¿Tienen vuelos a Cancún en diciembre? ¿Cuánto cuesta?",
                },
            }],
        }],
    }  # fmt: skip


def x_account_activity(tweet_id: str = "1600000000000000001") -> dict[str, Any]:
    return {
        "for_user_id": X_OWNER_ID,
        "tweet_create_events": [{
            "id_str": tweet_id,
            "created_at": "Fri Nov 20 10:00:00 +0000 2026",
            "text": "@aerosol lost my bag on flight 212 and nobody answers. Worst airline ever",
            "in_reply_to_status_id_str": None,
            "user": {"id_str": "98765", "screen_name": "angry_flyer", "followers_count": 15400},
        }],
    }  # fmt: skip


def x_v2(tweet_id: str = "1600000000000000002") -> dict[str, Any]:
    return {
        "data": [{
            "id": tweet_id,
            "text": "@aerosol thanks, the crew on flight 88 was wonderful!",
            "author_id": "31337",
            "created_at": "2026-11-20T11:00:00.000Z",
            "conversation_id": tweet_id,
            "referenced_tweets": [{"type": "replied_to", "id": "1599999999999999999"}],
            "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 3},
        }],
        "includes": {"users": [{"id": "31337", "username": "happy_flyer",
                                "public_metrics": {"followers_count": 820}}]},
    }  # fmt: skip


def mastodon_status(status_id: str = "113500000000000001") -> dict[str, Any]:
    return {
        "id": status_id,
        "created_at": "2026-11-20T12:00:00.000Z",
        "in_reply_to_id": None,
        "url": f"https://mastodon.social/@ana/{status_id}",
        "uri": f"https://mastodon.social/users/ana/statuses/{status_id}",
        "spoiler_text": "",
        "content": '<p>Mi maleta no llegó a Lisboa <a href="https://mastodon.social/tags/AeroSol" '
        'class="mention hashtag">#<span>AeroSol</span></a></p><p>¿Alguien sabe cómo reclamar?</p>',
        "account": {"id": "1", "acct": "ana@mastodon.social", "followers_count": 310},
    }


def mastodon_event(status_id: str = "113500000000000001") -> dict[str, Any]:
    return {"event": "status.created", "created_at": "2026-11-20T12:00:01.000Z",
            "object": mastodon_status(status_id)}  # fmt: skip


def atom_comments(entries: int = 2) -> str:
    items = "".join(
        f"""<entry><id>tag:blog.example,2026:comment-{n}</id><title>Comentario de Marta</title>
<author><name>Marta</name></author><published>2026-11-20T1{n}:00:00Z</published>
<updated>2026-11-20T1{n}:00:00Z</updated>
<thr:in-reply-to ref="tag:blog.example,2026:post-7" href="https://blog.example/p/7"/>
<link href="https://blog.example/p/7#comment-{n}"/>
<content type="html">&lt;p&gt;El servicio de atención tardó {n + 2} días en contestar.
Muy decepcionada.&lt;/p&gt;</content>
</entry>"""
        for n in range(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">'
        f"<title>Comentarios</title><id>tag:blog.example,2026:comments</id>{items}</feed>"
    )
