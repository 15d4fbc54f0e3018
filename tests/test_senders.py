"""Replies as each platform documents them, against local servers playing Graph, X, Mastodon."""

import httpx
import pytest

from escucha.channels.senders import GRAPH_VERSION, Credentials, Outgoing, request_for, send
from escucha.core.errors import PermanentError, RateLimited, TransientError
from tests.platform_servers import PlatformServer, Reply

TEXT = "Hola Lucía, sentimos la espera. Hoy revisamos tu pedido y te escribimos antes de las 18:00."


@pytest.fixture
def client():
    with httpx.Client(timeout=5) as http:
        yield http


def outgoing(platform, target="c1", **fields):
    return Outgoing(platform=platform, in_reply_to=target, text=TEXT, idempotency_key="k-1",
                    **fields)  # fmt: skip


def test_a_facebook_comment_reply_and_a_private_reply_once(client):
    private_used = []

    def messages(request):
        if private_used:
            return Reply(400, {"error": {"message": "(#10900) private_reply_already_used",
                                         "code": 10900}})  # fmt: skip
        private_used.append(request)
        return Reply(200, {"recipient_id": "psid-9", "message_id": "m_1"})

    routes = {f"/{GRAPH_VERSION}/c1/comments": lambda _: Reply(200, {"id": "c1_r1"}),
              f"/{GRAPH_VERSION}/page-7/messages": messages}  # fmt: skip
    with PlatformServer(routes) as graph:
        creds = Credentials(token="page-token", base_url=graph.url, page_id="page-7")
        assert send(client, outgoing("facebook"), creds).id == "c1_r1"
        public = graph.hits(f"/{GRAPH_VERSION}/c1/comments")[0]
        assert public.method == "POST" and public.form() == {"message": TEXT}
        assert public.headers["authorization"] == "Bearer page-token"
        private = send(client, outgoing("facebook", private=True), creds)
        assert (private.id, private.recipient) == ("m_1", "psid-9")  # whom the DM reached
        body = graph.hits(f"/{GRAPH_VERSION}/page-7/messages")[0].json()
        assert body == {"recipient": {"comment_id": "c1"}, "message": {"text": TEXT}}
        with pytest.raises(PermanentError, match="one private reply"):
            send(client, outgoing("facebook", private=True), creds)


def test_instagram_replies_to_the_comment(client):
    with PlatformServer(
        {f"/{GRAPH_VERSION}/ig-5/replies": lambda _: Reply(200, {"id": "ig-r"})}
    ) as g:
        assert send(client, outgoing("instagram", "ig-5"), Credentials("t", g.url)).id == "ig-r"
        assert g.seen[0].form() == {"message": TEXT}


def test_x_posts_a_reply_and_a_limited_reply_is_final(client):
    answers = iter([Reply(201, {"data": {"id": "1900", "text": TEXT}}),
                    Reply(403, {"title": "Forbidden", "detail": "You cannot reply to this post"}),
                    Reply(429, {"title": "Too Many Requests"}, {"Retry-After": "30"})])  # fmt: skip
    with PlatformServer({"/2/tweets": lambda _: next(answers)}) as x:
        creds = Credentials("user-token", x.url)
        assert send(client, outgoing("x", "1899"), creds).id == "1900"
        assert x.seen[0].json() == {"text": TEXT, "reply": {"in_reply_to_tweet_id": "1899"}}
        with pytest.raises(PermanentError, match="cannot reply to this post"):
            send(client, outgoing("x", "1899"), creds)
        with pytest.raises(RateLimited) as limited:
            send(client, outgoing("x", "1899"), creds)
        assert limited.value.retry_at is not None


def test_mastodon_names_the_author_and_sends_its_idempotency_key(client):
    answers = iter([Reply(200, {"id": "110"}), Reply(503, b"busy")])
    with PlatformServer({"/api/v1/statuses": lambda _: next(answers)}) as instance:
        creds = Credentials("acct-token", instance.url)
        reply = outgoing("mastodon", "109", author_handle="lucia@mastodon.social")
        assert send(client, reply, creds).id == "110"
        seen = instance.seen[0]
        assert seen.headers["idempotency-key"] == "k-1"
        assert seen.form() == {"status": f"@lucia@mastodon.social {TEXT}", "in_reply_to_id": "109",
                               "visibility": "public"}  # fmt: skip
        with pytest.raises(TransientError):
            send(client, reply, creds)


def test_a_handle_already_in_the_text_is_not_repeated():
    reply = Outgoing(platform="mastodon", in_reply_to="1", text="@Lucia@mastodon.social hola",
                     idempotency_key="k", author_handle="@lucia@mastodon.social")  # fmt: skip
    body = request_for(reply, Credentials("t", "https://m.example")).content.decode()
    assert body.startswith("status=%40Lucia%40mastodon.social+hola&")


def test_a_mastodon_status_is_answered_by_its_id_on_its_instance():
    from escucha.core.models import native_id

    assert native_id("mastodon", "mastodon.social/113500000000000001") == "113500000000000001"
    assert native_id("facebook", "777_888") == "777_888"


def test_an_answer_in_a_dm_conversation_goes_by_each_platforms_messaging_api(client):
    from escucha.channels.senders import find_sent

    routes = {
        f"/{GRAPH_VERSION}/page-7/messages": lambda _: Reply(200, {"recipient_id": "psid-9",
                                                                   "message_id": "m_2"}),
        "/2/dm_conversations/with/380/messages": lambda _: Reply(201, {"data": {
            "dm_conversation_id": "55-380", "dm_event_id": "1801"}}),
        f"/{GRAPH_VERSION}/page-7/conversations": lambda _: Reply(200, {"data": [{"messages": {
            "data": [{"id": "m_1", "message": "otra cosa", "from": {"id": "page-7"}},
                     {"id": "m_2", "message": TEXT, "from": {"id": "page-7"}}]}}]}),
        "/2/dm_conversations/with/380/dm_events": lambda _: Reply(200, {"data": [
            {"id": "1801", "sender_id": "55", "text": TEXT}]}),
    }  # fmt: skip
    with PlatformServer(routes) as platform:
        graph = Credentials("page-token", platform.url, page_id="page-7")
        messenger = outgoing("facebook", "m_1", direct=True, recipient="psid-9")
        assert send(client, messenger, graph).id == "m_2"
        sent = platform.hits(f"/{GRAPH_VERSION}/page-7/messages")[0].json()
        assert sent == {"recipient": {"id": "psid-9"}, "messaging_type": "RESPONSE",
                        "message": {"text": TEXT}}  # fmt: skip
        dm = outgoing("x", "1800", direct=True, recipient="380")
        assert send(client, dm, Credentials("user-token", platform.url)).id == "1801"
        assert platform.hits("/2/dm_conversations/with/380/messages")[0].json() == {"text": TEXT}
        # After a cut-off attempt, each is looked up in its conversation before any resend.
        assert find_sent(client, messenger, graph, "page-7") == "m_2"
        lookup = platform.hits(f"/{GRAPH_VERSION}/page-7/conversations")[0]
        assert lookup.query["user_id"] == "psid-9"
        assert find_sent(client, dm, Credentials("user-token", platform.url), "55") == "1801"


def test_a_direct_answer_without_its_person_is_refused_and_mastodon_answers_direct():
    with pytest.raises(PermanentError, match="person's id"):
        request_for(outgoing("facebook", direct=True), Credentials("t", "https://g", "p"))
    reply = outgoing("mastodon", "109", direct=True, author_handle="lucia@mastodon.social")
    body = request_for(reply, Credentials("t", "https://m.example")).content.decode()
    assert "visibility=direct" in body and body.startswith("status=%40lucia")
