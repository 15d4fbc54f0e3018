"""Published platform payloads (tests/fixtures/platforms, each citing its source): signed as
the platform signs, through the real API, each ends as the fixture says."""

import json
from datetime import datetime
from pathlib import Path

import feedparser
import pytest

from escucha.channels.polling.feeds import entry_row
from escucha.channels.sources import mastodon, meta, x
from escucha.core.models import StagedMention
from escucha.core.poller_config import FeedPoll
from escucha.pipeline.ingest import validate
from tests.security.conftest import ACCOUNTS, make_api

FIXTURES = Path(__file__).parent / "fixtures" / "platforms"
CASES = sorted(FIXTURES.glob("*.json"))
PARSERS = {
    "x": lambda payload: x.parse(payload, ACCOUNTS.get),
    "meta": lambda payload: meta.parse(payload, ACCOUNTS.get),
    "mastodon": lambda payload: mastodon.parse_event(payload, ACCOUNTS.get, "mastodon.social"),
}
PATHS = {"x": "/webhooks/x", "meta": "/webhooks/meta", "mastodon": "/webhooks/mastodon"}


@pytest.fixture
def api(redis_client, redis_server, sqlite_url):
    yield from make_api(redis_server.url, sqlite_url)


def load(path: Path) -> dict:
    fixture = json.loads(path.read_text(encoding="utf-8"))
    assert fixture["cite"], f"{path.name} must cite where its shape comes from"
    return fixture


def _value(mention: StagedMention, field: str):
    value = mention.id if field == "id" else getattr(mention, field)
    return value.isoformat().replace("+00:00", "Z") if isinstance(value, datetime) else value


def _check_upserts(mentions: list[StagedMention], expected: list[dict]) -> None:
    assert len(mentions) == len(expected)
    for mention, wanted in zip(mentions, expected, strict=True):
        for field, value in wanted.items():
            got = _value(mention, field)
            if field == "updated_at":
                got = mention.updated_at and mention.updated_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            assert got == value, f"{field}: {got!r} != {value!r}"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_each_published_payload_parses_as_documented(path):
    fixture = load(path)
    changes = PARSERS[fixture["platform"]](fixture["payload"])
    expect = fixture["expect"]
    results = [validate(row) for row in changes.upserts]
    accepted = [r for r in results if isinstance(r, StagedMention)]
    refused = [r.reason for r in results if not isinstance(r, StagedMention)]
    _check_upserts(accepted, expect.get("upserts", []))
    assert changes.deletes == expect.get("deletes", [])
    assert len(refused) == len(expect.get("refused", [])), refused
    for reason, wanted in zip(refused, expect.get("refused", []), strict=True):
        assert wanted in reason
    assert changes.ignored == expect.get("ignored", 0)
    assert changes.unmapped == set(expect.get("unmapped", []))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_each_published_payload_signed_through_the_api(api, path):
    fixture = load(path)
    answer = api.signed(PATHS[fixture["platform"]], fixture["payload"])
    assert answer.status_code == 200, answer.text
    result, expect = answer.json(), fixture["expect"]
    assert result["ids"] == [u["id"] for u in expect.get("upserts", [])]
    assert result["deleted"] == len(expect.get("deletes", []))
    assert len(result["rejected"]) == len(expect.get("refused", []))
    assert api.recorder.ids_for("delete") == expect.get("deletes", [])


def test_a_channel_whose_deliveries_all_fail_is_failing_not_ok(api):
    from escucha.channels.health import ChannelHealth

    fixture = load(FIXTURES / "ig_mentions_ids_only.json")
    for n in range(3):
        payload = json.loads(json.dumps(fixture["payload"]))
        payload["entry"][0]["time"] += n  # three different deliveries, each refused
        assert api.signed("/webhooks/meta", payload).json()["accepted"] == 0
    (tenant,) = ChannelHealth(api.redis).report("a")
    (endpoint,) = ChannelHealth(api.redis).report("*")
    assert tenant.status == endpoint.status == "failing"
    assert "Graph API" in (tenant.last_error or "")


FEEDS = {
    "feed_blogger_atom_comments.xml": [
        ("John", "https://www.blogger.com/profile/0123"),
        ("Anonymous", None),  # Blogger's noreply address identifies no one
    ],
    "feed_blogger_rss.xml": [("John", None), ("John Smith", "john@example.social")],
    "feed_wordpress_comments.xml": [("Marta", None)],
}


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_feed_authors_keep_the_name_and_the_address_only_as_identity(name):
    parsed = feedparser.parse((FIXTURES / name).read_bytes())
    poll = FeedPoll(name="blog", url="https://b.example/feed")
    rows = [entry_row(entry, poll) for entry in parsed.entries]
    assert [(r["author"], r["author_id"]) for r in rows] == FEEDS[name]
    for row in rows:
        assert "@" not in row["author"] and "(" not in row["author"]
        assert isinstance(validate_row(row), StagedMention)


def validate_row(row: dict):
    from escucha.pipeline.ingest import Row

    return validate(Row(row))
