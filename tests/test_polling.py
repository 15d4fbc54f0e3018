"""Pollers against local servers playing a blog, Mastodon and X, with cursors in a real Redis."""

import time

import httpx
import pytest
import time_machine

from escucha.channels.health import ChannelHealth
from escucha.channels.polling.cursors import Cursors
from escucha.channels.polling.runner import XAccess, fetcher, run_poll
from escucha.core.models import StagedMention
from escucha.core.poller_config import FeedPoll, MastodonPoll, XSearchPoll
from tests import platform_payloads as p
from tests.pipeline_helpers import recording_context
from tests.platform_servers import PlatformServer, Reply, conditional_feed


@pytest.fixture
def setup(redis_client, redis_server):
    ctx, recorder = recording_context(redis_server.url)
    client = httpx.Client(timeout=5)
    yield ctx, recorder, ChannelHealth(ctx.redis), client
    client.close()


def poll_once(setup, poll, x=XAccess("", None)):
    ctx, _, health, client = setup
    return run_poll(ctx, health, poll, "sol", fetcher(poll, client, x))


def test_feed_conditional_get_threads_and_dedup(setup):
    ctx, recorder, health, _ = setup
    with PlatformServer({"/comments/feed/": conditional_feed(p.atom_comments(2))}) as blog:
        poll = FeedPoll(name="blog", url=f"{blog.url}/comments/feed/", interval_s=1)
        first = poll_once(setup, poll)
        second = poll_once(setup, poll)
        assert (first.accepted, second.accepted) == (2, 0)
        assert blog.seen[1].headers["if-none-match"] == '"v1"'
        assert blog.seen[1].headers["if-modified-since"] == "Fri, 20 Nov 2026 12:00:00 GMT"
    staged = [
        StagedMention.model_validate_json(raw)
        for raw in ctx.staging.load_raw("raw", recorder.ids_for("normalize"))
    ]
    assert {m.in_reply_to for m in staged} == {"blog:tag:blog.example,2026:post-7"}
    assert all(m.tenant == "sol" and "decepcionada" in m.text for m in staged)
    # A feed that drops its ETag still yields no duplicates: entries are deduplicated on id.
    with PlatformServer({"/comments/feed/": lambda _: Reply(200, p.atom_comments(3))}) as blog:
        poll = FeedPoll(name="blog", url=f"{blog.url}/comments/feed/", interval_s=1)
        assert poll_once(setup, poll).accepted == 1
    assert [c.status for c in health.report()] == ["ok"]


def test_failing_feed_backs_off_and_reports_its_health(setup):
    _ctx, _, health, _ = setup
    with PlatformServer({"/feed": lambda _: Reply(500, b"boom")}) as blog:
        poll = FeedPoll(name="broken", url=f"{blog.url}/feed", interval_s=1)
        failed = poll_once(setup, poll)
        assert failed.error and "500" in failed.error
        assert poll_once(setup, poll).skipped  # still backing off
        assert len(blog.seen) == 1
    status = health.report()[0]
    assert (status.name, status.errors, status.consecutive_errors) == ("feed:broken", 1, 1)
    assert "500" in (status.last_error or "")


def test_mastodon_hashtag_timeline_moves_since_id(setup):
    _ctx, recorder, _, _ = setup
    statuses = [p.mastodon_status("113500000000000009"), p.mastodon_status("113500000000000007")]
    with PlatformServer(
        {"/api/v1/timelines/tag/AeroSol": lambda _: Reply(200, statuses)}
    ) as server:
        poll = MastodonPoll(name="tag", instance=server.url, value="#AeroSol", interval_s=1)
        assert poll_once(setup, poll).accepted == 2
        assert "since_id" not in server.seen[0].query
        poll_once(setup, poll)
        assert server.seen[1].query["since_id"] == "113500000000000009"
    assert recorder.ids_for("normalize")[0].startswith("sol:mastodon:127.0.0.1:")


def x_pages(limit_after: int | None = None):
    """Two pages of recent search; optionally a 429 once `limit_after` pages were served."""
    served = []

    def route(request):
        if limit_after is not None and len(served) >= limit_after:
            reset = str(int(time.time()) + 30)
            return Reply(429, {"title": "Too Many Requests"}, {"x-rate-limit-reset": reset})
        served.append(request)
        page = 1 if "next_token" in request.query else 0
        body = p.x_v2(f"16000000000000000{page + 1}0")
        body["meta"] = {"newest_id": "1600000000000000010", "result_count": 1}
        if page == 0:
            body["meta"]["next_token"] = "page-2"
        return Reply(200, body, {"x-rate-limit-remaining": "299"})

    return route


def test_x_search_paginates_and_resumes_after_a_rate_limit(setup):
    ctx, recorder, _health, _ = setup
    with PlatformServer({"/2/tweets/search/recent": x_pages(limit_after=1)}) as api:
        poll = XSearchPoll(name="brand", query="@aerosol", interval_s=1)
        access = XAccess(api.url, "bearer-1")
        limited = poll_once(setup, poll, access)
        assert limited.accepted == 1 and limited.next_attempt_at
        cursor = Cursors(ctx.redis, "sol").read("x_search:brand")
        assert cursor["next_token"] == "page-2" and "since_id" not in cursor
        assert poll_once(setup, poll, access).skipped  # waits for the reset
        assert api.seen[0].headers["authorization"] == "Bearer bearer-1"
    with (
        time_machine.travel(time.time() + 31, tick=True),
        PlatformServer({"/2/tweets/search/recent": x_pages()}) as api,
    ):
        access = XAccess(api.url, "bearer-1")
        resumed = poll_once(setup, poll, access)
        assert resumed.accepted == 1 and api.seen[0].query["next_token"] == "page-2"
        cursor = Cursors(ctx.redis, "sol").read("x_search:brand")
        assert cursor == {"since_id": "1600000000000000010"} | {
            k: v for k, v in cursor.items() if k == "next_attempt_at"
        }
        poll_once(setup, poll, access)
        assert api.seen[-1].query["since_id"] == "1600000000000000010"
    assert len(set(recorder.ids_for("normalize"))) == 2


def test_a_feed_host_that_says_later_is_heard_not_hammered(setup):
    reply = Reply(429, b"slow down", {"Retry-After": "120"})
    with PlatformServer({"/feed": lambda _: reply}) as blog:
        poll = FeedPoll(name="busy", url=f"{blog.url}/feed", interval_s=1)
        started = time.time()
        limited = poll_once(setup, poll)
        assert limited.error is None and limited.next_attempt_at is not None
        assert 119 <= limited.next_attempt_at - started <= 125
        assert poll_once(setup, poll).skipped and len(blog.seen) == 1


def test_a_refused_poll_is_reported_as_permanent_with_its_status(setup):
    _ctx, _, health, _ = setup
    with PlatformServer({"/feed": lambda _: Reply(401, b"who are you")}) as blog:
        failed = poll_once(setup, FeedPoll(name="locked", url=f"{blog.url}/feed", interval_s=1))
    assert failed.error and failed.error.startswith("PermanentError: GET ")
    assert "401 Unauthorized" in failed.error
    assert health.report()[0].consecutive_errors == 1
