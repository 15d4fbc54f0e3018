"""The outbox on SQLite and PostgreSQL, sending to local servers playing X and the Graph API:
once-only, backoff honouring Retry-After, dead letters, and reconciliation after a cut-off."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from escucha.care.delivery import Dead, Retry, Sent
from escucha.care.replies import send_one
from escucha.channels.senders import GRAPH_VERSION, Credentials, find_sent, send
from escucha.core.backoff import MAX_DELAY, next_attempt
from escucha.store.migrate import upgrade
from escucha.store.outbox import LEASE, NewReply, Outbox
from escucha.store.store import make_engine
from tests.platform_servers import PlatformServer, Reply

NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
TEXT = "Hola Lucía, sentimos la espera. Hoy revisamos tu pedido y te escribimos antes de las 18:00."
OWN = "777"  # the tenant's X user id, or Page id


@pytest.fixture
def outbox(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    yield Outbox(engine)
    engine.dispose()


@pytest.fixture
def client():
    with httpx.Client(timeout=5) as http:
        yield http


def reply(platform="x", key="reply-1", target="1899"):
    return NewReply(key=key, tenant="acme", account=f"x:{OWN}", platform=platform,
                    in_reply_to=target, text=TEXT, case_id="acme:x:lucia")  # fmt: skip


def sender(client, url):
    creds = Credentials("user-token", url, page_id=OWN)
    return (lambda r: send(client, r, creds)), (lambda r: find_sent(client, r, creds, OWN))


def test_a_reply_is_written_once_and_claimed_by_one_sender(outbox):
    assert outbox.add(reply(), NOW) is True
    assert outbox.add(reply(), NOW) is False  # the same key: nothing changes
    first = outbox.claim("reply-1", NOW)
    assert first is not None and not first.interrupted and first.row.status == "sending"
    assert outbox.claim("reply-1", NOW) is None  # another sender holds it
    assert outbox.due(NOW + LEASE - timedelta(seconds=1)) == []
    again = outbox.claim("reply-1", NOW + LEASE)  # the holder was cut off: its lease ran out
    assert again is not None and again.interrupted


def test_sent_once_and_its_platform_id_kept(outbox, client):
    with PlatformServer({"/2/tweets": lambda _: Reply(201, {"data": {"id": "1900"}})}) as x:
        outbox.add(reply(), NOW)
        outcome = send_one(outbox, "reply-1", NOW, *sender(client, x.url))
        assert outcome == Sent("1900")
        assert send_one(outbox, "reply-1", NOW + timedelta(hours=1), *sender(client, x.url)) is None
        assert len(x.hits("/2/tweets")) == 1
    row = outbox.get("reply-1")
    assert (row.status, row.platform_id, row.attempts) == ("sent", "1900", 1)


def test_a_rate_limit_is_honoured_and_a_refusal_is_a_dead_letter(outbox, client):
    answers = iter([Reply(429, {"title": "Too Many Requests"}, {"Retry-After": "120"}),
                    Reply(403, {"detail": "You cannot reply to this post"})])  # fmt: skip
    with PlatformServer({"/2/tweets": lambda _: next(answers)}) as x:
        outbox.add(reply(), NOW)
        limited = send_one(outbox, "reply-1", NOW, *sender(client, x.url), jitter=lambda: 0.0)
        assert isinstance(limited, Retry) and limited.at >= NOW + timedelta(seconds=119)
        assert outbox.due(NOW + timedelta(seconds=60)) == []  # not before the platform said
        later = limited.at + timedelta(seconds=1)
        refused = send_one(outbox, "reply-1", later, *sender(client, x.url))
        assert isinstance(refused, Dead) and "cannot reply to this post" in refused.reason
    row = outbox.get("reply-1")
    assert row.status == "dead" and "cannot reply" in row.last_error and row.attempts == 2


def test_a_cut_off_attempt_is_found_on_the_platform_not_sent_again(outbox, client):
    """The platform took the reply, then the sender died before writing its id down."""
    ours = {"id": "1900", "text": TEXT, "referenced_tweets": [{"type": "replied_to", "id": "1899"}]}
    timeline = {"data": [ours]}
    routes = {"/2/tweets": lambda _: Reply(201, {"data": {"id": "1901"}}),
              f"/2/users/{OWN}/tweets": lambda _: Reply(200, timeline)}  # fmt: skip
    with PlatformServer(routes) as x:
        outbox.add(reply(), NOW)
        assert outbox.claim("reply-1", NOW) is not None  # ...and the process was killed here
        after = NOW + LEASE + timedelta(seconds=1)
        assert send_one(outbox, "reply-1", after, *sender(client, x.url)) == Sent("1900", True)
        assert x.hits("/2/tweets") == []  # exactly one reply on the platform: the first
    assert outbox.get("reply-1").platform_id == "1900"


def test_a_facebook_reply_is_reconciled_from_the_comment_thread(outbox, client):
    ours = {"id": "c1_r9", "message": TEXT, "from": {"id": OWN, "name": "Acme"}}
    quoted = {"id": "c1_r8", "message": TEXT, "from": {"id": "someone-else"}}
    thread = {"data": [quoted, ours]}
    routes = {f"/{GRAPH_VERSION}/c1/comments": lambda s: Reply(200, thread if s.method == "GET"
                                                              else {"id": "c1_new"})}  # fmt: skip
    with PlatformServer(routes) as graph:
        outbox.add(reply("facebook", target="c1"), NOW)
        outbox.claim("reply-1", NOW)
        outcome = send_one(outbox, "reply-1", NOW + LEASE, *sender(client, graph.url))
        assert outcome == Sent("c1_r9", True)
        assert [s.method for s in graph.seen] == ["GET"]


def test_backoff_grows_with_full_jitter_is_capped_and_waits_for_retry_after():
    assert next_attempt(1, NOW, jitter=lambda: 1.0) == NOW + timedelta(seconds=30)
    assert next_attempt(4, NOW, jitter=lambda: 1.0) == NOW + timedelta(seconds=240)
    assert next_attempt(30, NOW, jitter=lambda: 1.0) == NOW + MAX_DELAY
    assert next_attempt(3, NOW, jitter=lambda: 0.0) == NOW
    assert next_attempt(1, NOW, NOW + timedelta(minutes=15), lambda: 1.0) == NOW + timedelta(
        minutes=15
    )


def test_an_unreachable_platform_is_retried_then_given_up(outbox, client):
    outbox.add(reply(), NOW)
    at, outcome = NOW, None
    for _ in range(20):
        outcome = send_one(outbox, "reply-1", at, *sender(client, "http://127.0.0.1:9"))
        if not isinstance(outcome, Retry):
            break
        at = outcome.at
    assert isinstance(outcome, Dead) and "gave up after 8 attempts" in outcome.reason


def test_a_sender_whose_lease_ran_out_cannot_overwrite_the_next_claims_outcome(outbox):
    outbox.add(reply(), NOW)
    slow = outbox.claim("reply-1", NOW)
    later = NOW + LEASE + timedelta(seconds=1)
    fresh = outbox.claim("reply-1", later)  # the first sender looked dead; another took over
    assert slow is not None and fresh is not None and fresh.interrupted
    outbox.dead(slow, "timed out", later)  # the slow one comes back mid-send: ignored
    outbox.sent(fresh, "1900", later)
    row = outbox.get("reply-1")
    assert (row.status, row.platform_id, row.attempts) == ("sent", "1900", 1)
