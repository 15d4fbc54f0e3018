"""Every producer, end to end: real API process, real workers and beat, real Redis, real store.

Each platform is played by a local server or a signed request; every mention must come back
analysed from GET /v1/mentions. With Redis stopped the API answers 503 and loses nothing it
acknowledged.
"""

import json
import os
import subprocess
import sys
import time

import pytest

from escucha.channels.signatures import sign_hex, x_digest
from escucha.core.tenant import Tenant
from escucha.ops.redis_server import RedisServer
from escucha.store.store import Store, make_engine
from escucha.store.tenants import Tenants
from tests import platform_payloads as p
from tests.api_process import WEBHOOK_SECRETS, api_and_workers, signed
from tests.pipeline_helpers import migrated_sqlite
from tests.platform_servers import PlatformServer, conditional_feed
from tests.processes import wait_until

KEY = {"X-API-Key": "key-sol"}
TWCS = (
    "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
    "9001,115712,True,Tue Oct 31 22:10:47 +0000 2017,@aerosol my flight was cancelled and "
    "nobody tells me why. Refund please,9002,\n"
    '9002,aerosol,False,Tue Oct 31 22:11:45 +0000 2017,"@115712 We are sorry, please DM us '
    'your booking",,9001\n'
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    root = tmp_path_factory.mktemp("producers")
    redis_server = RedisServer(root / "redis").start()
    database_url = migrated_sqlite(root)
    with PlatformServer({"/comments/feed/": conditional_feed(p.atom_comments(1))}) as blog:
        Tenants(make_engine(database_url)).put(
            Tenant.model_validate(
                {
                    "id": "sol",
                    "name": "Aerolíneas Sol",
                    "brands": ["AeroSol", "@aerosol"],
                    "keywords": ["vuelo", "maleta", "flight"],
                    "accounts": {
                        "meta_pages": [p.PAGE_ID],
                        "x_user_ids": [p.X_OWNER_ID],
                        "mastodon": ["mastodon.social"],
                    },
                    "feeds": [
                        {"name": "blog", "url": f"{blog.url}/comments/feed/", "interval_s": 1}
                    ],
                }
            )
        )
        env = {
            "REDIS_URL": redis_server.url,
            "DATABASE_URL": database_url,
            "ESCUCHA_DATA_DIR": str(root / "data"),
            "ESCUCHA_POLL_TICK_S": "0.5",
            "ESCUCHA_BATCH_SIZE": "50",
            "ESCUCHA_VISIBILITY_TIMEOUT_S": "30",
            "ESCUCHA_LEDGER_DEADLINE_S": "10",
            "ESCUCHA_SWEEP_INTERVAL_S": "2",
            **WEBHOOK_SECRETS,
            "ESCUCHA_API_KEYS": json.dumps({"key-sol": "sol"}),
        }
        with api_and_workers(root, env) as (client, launcher):
            yield client, launcher, redis_server, env, database_url, blog, root
        redis_server.stop()


def stored(client, ids, timeout_s=120.0) -> dict:
    found: dict = {}

    def all_there() -> bool:
        for mention in client.get("/v1/mentions", params={"limit": 500}, headers=KEY).json():
            found[mention["id"]] = mention
        return set(ids) <= set(found)

    assert wait_until(all_there, timeout_s, every_s=0.5), f"missing {set(ids) - set(found)}"
    return found


def test_every_producer_ends_as_an_analysed_mention(stack):
    client, _, _, env, _, blog, root = stack
    meta = signed(client, "/webhooks/meta", p.meta_comment())
    assert meta.status_code == 200, meta.text
    token = "M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0"
    crc = client.get("/webhooks/x", params={"crc_token": token}).json()["response_token"]
    assert crc == x_digest("x-consumer-secret", token.encode())
    tweet = signed(client, "/webhooks/x", p.x_account_activity())
    assert tweet.status_code == 200
    status = signed(client, "/webhooks/mastodon", p.mastodon_event())
    assert status.status_code == 200
    export = root / "twcs.csv"
    export.write_text(TWCS)
    imported = subprocess.run(
        [sys.executable, "-m", "workers.cli", "import", str(export), "--tenant", "sol"],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    expected = {
        "sol:facebook:777_888": "negative",
        "sol:x:1600000000000000001": "negative",
        "sol:mastodon:mastodon.social/113500000000000001": None,
        "sol:blog:tag:blog.example,2026:comment-0": "negative",
        "sol:x:9001": "negative",
        "sol:x:9002": None,
    }
    found = stored(client, expected)
    for mention_id, sentiment in expected.items():
        mention = found[mention_id]
        assert mention["tenant"] == "sol" and mention["lang"] in ("es", "en")
        assert mention["intent"] and mention["reasons"]
        if sentiment:
            assert mention["sentiment"] == sentiment, mention
    assert found["sol:x:9002"]["in_reply_to"] == "x:9001" and not found["sol:x:9002"]["inbound"]
    assert found["sol:x:1600000000000000001"]["author_followers"] == 15400
    channels = {c["name"]: c for c in client.get("/v1/channels", headers=KEY).json()}
    assert {"meta", "x", "mastodon", "feed:blog"} <= set(channels)
    assert channels["feed:blog"]["status"] == "ok" and blog.hits("/comments/feed/")


def test_refused_signatures_are_never_stored(stack):
    client = stack[0]
    payload = p.meta_comment("666_1")
    body = json.dumps(payload).encode()
    good = sign_hex(body, "meta-app-secret")
    attempts = [
        {},
        {"X-Hub-Signature-256": sign_hex(body, "not-the-secret")},
        {"X-Hub-Signature-256": "md5=" + "0" * 32},
    ]
    assert [
        client.post("/webhooks/meta", content=body, headers=h).status_code for h in attempts
    ] == [401, 403, 401]
    assert (
        client.post(
            "/webhooks/meta", content=body, headers={"X-Hub-Signature-256": good}
        ).status_code
        == 200
    )
    again = client.post("/webhooks/meta", content=body, headers={"X-Hub-Signature-256": good})
    assert again.status_code == 200 and again.json()["duplicate"]  # answered, not redone
    stored(client, ["sol:facebook:666_1"])
    time.sleep(1)
    copies = client.get(
        "/v1/mentions", params={"q": "reembolso", "source": "facebook"}, headers=KEY
    ).json()
    assert [m["id"] for m in copies].count("sol:facebook:666_1") == 1


def test_deletes_reach_the_store_and_the_event_stream(stack):
    client = stack[0]
    stored(client, ["sol:facebook:777_888"])
    removed = signed(client, "/webhooks/meta", p.meta_comment(verb="remove"))
    assert removed.json()["deleted"] == 1

    def gone() -> bool:
        ids = [
            m["id"]
            for m in client.get("/v1/mentions", params={"source": "facebook"}, headers=KEY).json()
        ]
        return "sol:facebook:777_888" not in ids

    assert wait_until(gone, 60, every_s=0.5)
    events = client.get("/v1/events", headers=KEY).json()
    assert {"type": "mention.deleted", "mention_id": "sol:facebook:777_888"}.items() <= events[
        -1
    ].items()


def test_two_beats_never_run_a_poll_slot_twice(stack):
    _, launcher, _, _, _, blog, _ = stack
    launcher.start_beat("beat-standby")  # waits on redbeat's lock while the first beat lives
    time.sleep(3)
    before, started = len(blog.hits("/comments/feed/")), time.monotonic()
    time.sleep(8)
    polls = len(blog.hits("/comments/feed/")) - before
    slots = (time.monotonic() - started) / 1.0  # the feed's interval is 1 s
    # Polling goes on, never faster than its slots (on a loaded machine, slower: not asserted).
    assert 1 <= polls <= slots + 2, f"{polls} polls in {slots:.1f} one-second slots"
    # And the reason it cannot double: only the beat holding redbeat's lock sends anything.
    standby = (launcher.log_dir / "beat-standby.log").read_text()
    assert "Acquired lock" not in standby and "Sending due task" not in standby, standby[-2000:]
    assert "Sending due task" in (launcher.log_dir / "beat.log").read_text()
    assert not launcher.dead()


def generic(n: int) -> dict:
    return {"id": f"g{n}", "source": "web", "author": f"c{n}", "created_at": "2026-11-22T10:00:00Z",
            "text": f"Pedido {n} sin entregar y nadie contesta"}  # fmt: skip


def test_with_redis_stopped_the_api_answers_503_and_loses_nothing_it_acknowledged(stack):
    client, _, redis_server, _, database_url, _, _ = stack
    acknowledged = []
    for batch in range(5):
        items = [generic(batch * 40 + n) for n in range(40)]
        answer = client.post("/v1/mentions", json=items, headers=KEY)
        assert answer.status_code == 202
        acknowledged += answer.json()["ids"]
    redis_server.kill()  # as a crash would: acknowledged writes must already be in the AOF
    down = client.post("/v1/mentions", json=[generic(999)], headers=KEY)
    assert down.status_code == 503 and int(down.headers["Retry-After"]) > 0
    redis_server.start()  # same port, same data dir
    store = Store.from_url(database_url)
    try:
        assert wait_until(lambda: store.count(acknowledged) == len(acknowledged), 180, every_s=1), (
            f"{store.count(acknowledged)} of {len(acknowledged)} stored"
        )
        assert store.get("sol:web:g999") is None
    finally:
        store.dispose()
    assert client.post("/v1/mentions", json=[generic(999)], headers=KEY).status_code == 202
