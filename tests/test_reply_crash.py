"""SIGKILL of the worker sending a reply, after the platform took it and before escucha wrote
its id down: after recovery there is exactly one reply on the platform. Real Redis, Celery
workers and beat, SQLite, and a local server playing the X API."""

import json
import os
import signal
import threading
from datetime import UTC, datetime

import pytest

from escucha.core.models import as_utc
from escucha.core.sealed import Sealer, new_key
from escucha.core.tenant import Tenant
from escucha.ops.process_tree import children
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.outbox import NewReply, Outbox
from escucha.store.tenants import Tenants
from tests.pipeline_helpers import worker_stack
from tests.platform_servers import PlatformServer, Reply
from tests.processes import wait_until

KEY = new_key()
OWN = "777"
TEXT = "Hola Lucía, sentimos la espera. Hoy revisamos tu pedido y te escribimos antes de las 18:00."


class FakeX:
    """Takes a post, then holds its answer until released: the sender dies waiting."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.release = threading.Event()

    def post(self, request):
        body = request.json()
        self.posts.append(body)
        self.release.wait(30)
        # An answer only a surviving sender would read: its id differs from the timeline's.
        return Reply(201, {"data": {"id": f"answered-{len(self.posts)}", "text": body["text"]}})

    def timeline(self, _request):
        tweets = [{"id": str(1901 + n), "text": p["text"], "referenced_tweets": [
            {"type": "replied_to", "id": p["reply"]["in_reply_to_tweet_id"]}]}
            for n, p in enumerate(self.posts)]  # fmt: skip
        return Reply(200, {"data": tweets})


@pytest.fixture
def stack(tmp_path, redis_server):
    fake = FakeX()
    routes = {"/2/tweets": fake.post, f"/2/users/{OWN}/tweets": fake.timeline}
    with PlatformServer(routes) as x:
        settings = {"ESCUCHA_X_API_URL": x.url, "ESCUCHA_SECRET_KEY": KEY,
                    "ESCUCHA_OUTBOX_TICK_S": "0.5", "ESCUCHA_OUTBOX_LEASE_S": "3",
                    "ESCUCHA_DATA_DIR": str(tmp_path / "data")}  # fmt: skip
        with worker_stack(redis_server.url, tmp_path, 50, settings, beat=True) as (
            launcher, _ctx, store, _env,
        ):  # fmt: skip
            yield launcher, store, fake
        fake.release.set()


def test_a_reply_cut_off_after_the_platform_took_it_is_posted_exactly_once(stack):
    launcher, store, fake = stack
    Tenants(store.engine).put(Tenant(id="acme"))
    ChannelCredentials(store.engine, Sealer([KEY])).connect("acme", "x", OWN, "user-token")
    outbox = Outbox(store.engine)
    outbox.add(NewReply(key="r-1", tenant="acme", account=f"x:{OWN}", platform="x",
                        in_reply_to="1899", text=TEXT))  # fmt: skip
    assert wait_until(lambda: len(fake.posts) == 1, 60), "beat never sent the reply"
    monitor = launcher.processes["monitor"].pid
    for pid in children(monitor):
        os.kill(pid, signal.SIGKILL)  # the platform has the post; escucha never heard back
    fake.release.set()
    assert wait_until(lambda: outbox.get("r-1").status == "sent", 90), outbox.get("r-1").__dict__
    row = outbox.get("r-1")
    assert row.platform_id == "1901"  # the post the platform already had, found, not resent
    assert len(fake.posts) == 1, json.dumps(fake.posts)
    assert as_utc(row.sent_at) <= datetime.now(UTC)
