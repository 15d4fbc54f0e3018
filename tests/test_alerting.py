"""From incident to arrived alert over a real store and real sockets: fan-out, the ladder,
retries and dead letters, care events relayed, and secrets that never come back out."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from escucha.core.crisis_policy import CrisisPolicy, LadderStep
from escucha.core.sealed import Sealer, new_key
from escucha.core.tenant import Tenant
from escucha.insight.alerting import Alerting, Dead, Retry, Sent
from escucha.insight.alerts.destination import Slack, Webhook, new_webhook_secret
from escucha.insight.alerts.standard_webhooks import verify
from escucha.insight.watch import Watch
from escucha.pipeline import events
from escucha.store.alert_outbox import AlertOutbox
from escucha.store.incidents import Incidents
from escucha.store.queries import MentionFilter, find_mentions
from escucha.store.rollups import Rollups
from escucha.store.store import Store
from tests.crisis_history import SEVERE, burst
from tests.platform_servers import PlatformServer, Reply

NOW = datetime(2026, 11, 24, 10, 7, tzinfo=UTC)  # a Tuesday, 11:07 in Madrid
LADDER = (
    LadderStep(after_minutes=0, destinations=("guardia",)),
    LadderStep(after_minutes=15, destinations=("jefa",), hours="mon-fri 09:00-18:00"),
    LadderStep(after_minutes=30, destinations=("dueño",)),
)


def shop(ladder: tuple[LadderStep, ...] = ()) -> Tenant:
    return Tenant(id="shop", name="La Tienda", timezone="Europe/Madrid", brands=["aerosol"],
                  crisis=CrisisPolicy(ladder=ladder))  # fmt: skip


@pytest.fixture
def receiver():
    """A webhook receiver and a Slack-shaped one; each answers what `replies` says next."""
    replies: dict[str, list[Reply]] = {"/hook": [], "/slack": []}

    def answer(path: str):
        return lambda seen: replies[path].pop(0) if replies[path] else Reply(200, "ok")

    with PlatformServer({p: answer(p) for p in replies}) as server:
        server.replies = replies
        yield server


class Rig:
    def __init__(self, store: Store, tenant: Tenant) -> None:
        self.store, self.tenant = store, tenant
        self.published: list = []
        self.alerting = Alerting(AlertOutbox(store.engine), Incidents(store.engine),
                                 Sealer([new_key()]), lambda _id: self.tenant,
                                 "https://escucha.example", internal_hosts=True)  # fmt: skip
        self.watch = Watch(Rollups(store.engine), Incidents(store.engine), self.mentions,
                           lambda t, kind, fields: self.published.append(kind))  # fmt: skip

    def mentions(self, tenant, since, until):
        return find_mentions(self.store, tenant, MentionFilter(since=since, until=until))

    def open_incident(self) -> str:
        self.store.save(burst(self.tenant, NOW - timedelta(minutes=3), 1, 1, text=SEVERE))
        checked = self.watch.check(self.tenant, NOW)
        assert checked.incident_id
        return checked.incident_id

    def destinations(self, server: PlatformServer, secret: str, **names: str) -> dict[str, str]:
        made = {}
        for name, path in names.items():
            kind = (
                Webhook(url=f"{server.url}{path}", secret=secret)
                if path == "/hook"
                else Slack(url=f"{server.url}{path}")
            )
            made[name] = self.alerting.add_destination("shop", name, kind, [], NOW)
        return made

    def send_all(self, now: datetime) -> list:
        with httpx.Client(timeout=5) as client:
            return [self.alerting.send(k, now, client) for k in self.alerting.outbox.due(now)]


def test_an_incident_reaches_every_destination_once_signed_and_explained(store, receiver):
    rig = Rig(store, shop())
    secret = new_webhook_secret()
    ids = rig.destinations(receiver, secret, hook="/hook", chat="/slack")
    incident = rig.open_incident()
    added = rig.alerting.fan_out(NOW)
    assert sorted(k.rsplit(":", 1)[1] for k in added) == sorted(ids.values())
    assert rig.alerting.fan_out(NOW) == []  # the entry is done: a second pass adds nothing
    outcomes = rig.send_all(NOW)
    assert [type(o) for o in outcomes] == [Sent, Sent]
    assert rig.send_all(NOW) == []  # sent once
    [hook] = receiver.hits("/hook")
    verify(secret, hook.headers, hook.body, now=NOW.timestamp())
    payload = hook.json()
    assert payload["type"] == "incident.opened"
    assert payload["data"]["incident_id"] == incident and payload["data"]["trigger"] == "severity"
    assert payload["data"]["link"] == f"https://escucha.example/v1/incidents/{incident}"
    assert payload["data"]["summary"].startswith("1 menciones con términos graves")
    [slack] = receiver.hits("/slack")
    assert "Posible crisis" in json.dumps(slack.json(), ensure_ascii=False)
    log = rig.alerting.outbox.of_incident("shop", incident)
    assert {(d.status, d.attempts) for d in log} == {("sent", 1)}


def test_later_news_goes_only_to_those_who_heard_of_the_incident(store, receiver):
    rig = Rig(store, shop())
    rig.open_incident()
    rig.alerting.fan_out(NOW)  # no destination yet: nobody heard of it
    ids = rig.destinations(receiver, new_webhook_secret(), hook="/hook")
    closed = rig.watch.check(rig.tenant, NOW + timedelta(hours=7))
    assert closed.change is not None
    assert rig.alerting.fan_out(NOW + timedelta(hours=7)) == []
    store.save(burst(rig.tenant, NOW + timedelta(hours=8), 1, 2, text=SEVERE))
    rig.watch.check(rig.tenant, NOW + timedelta(hours=8, minutes=5))
    assert [k.rsplit(":", 1)[1] for k in rig.alerting.fan_out(NOW)] == [ids["hook"]]
    rig.watch.check(rig.tenant, NOW + timedelta(hours=10))  # subsiding: an update
    assert len(rig.alerting.fan_out(NOW + timedelta(hours=10))) == 1


def test_nobody_acknowledging_climbs_the_ladder_respecting_shifts(store, receiver):
    rig = Rig(store, shop(LADDER))
    secret = new_webhook_secret()
    ids = rig.destinations(receiver, secret, guardia="/hook", jefa="/slack", **{"dueño": "/hook"})
    incident = rig.open_incident()
    first = rig.alerting.fan_out(NOW)
    assert [k.rsplit(":", 1)[1] for k in first] == [ids["guardia"]]
    incidents = Incidents(store.engine)
    assert incidents.get("shop", incident).ladder_step == 1
    assert rig.alerting.climb(NOW + timedelta(minutes=14)) == 0
    assert rig.alerting.climb(NOW + timedelta(minutes=16)) == 1  # 11:23 on a Tuesday: on shift
    assert rig.alerting.climb(NOW + timedelta(minutes=17)) == 0  # once
    climbed = rig.alerting.fan_out(NOW + timedelta(minutes=16))
    assert [k.rsplit(":", 1)[1] for k in climbed] == [ids["jefa"]]
    rig.send_all(NOW + timedelta(minutes=16))
    slack = receiver.hits("/slack")[-1].json()
    assert "sin reconocer" in json.dumps(slack, ensure_ascii=False)
    # Acknowledged: the ladder stops, and those who heard learn who took it.
    assert incidents.acknowledge("shop", incident, "ana", NOW + timedelta(minutes=20))
    assert rig.alerting.climb(NOW + timedelta(minutes=45)) == 0
    told = rig.alerting.fan_out(NOW + timedelta(minutes=20))
    assert sorted(k.rsplit(":", 1)[1] for k in told) == sorted([ids["guardia"], ids["jefa"]])


def test_a_step_off_shift_is_passed_over_for_the_next(store, receiver):
    rig = Rig(store, shop(LADDER))
    ids = rig.destinations(receiver, new_webhook_secret(), guardia="/hook", jefa="/slack",
                           **{"dueño": "/hook"})  # fmt: skip
    saturday = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)  # 22:00 in Madrid: the boss is off
    store.save(burst(rig.tenant, saturday - timedelta(minutes=3), 1, 1, text=SEVERE))
    incident = rig.watch.check(rig.tenant, saturday).incident_id
    rig.alerting.fan_out(saturday)
    assert rig.alerting.climb(saturday + timedelta(minutes=16)) == 1
    assert rig.alerting.fan_out(saturday + timedelta(minutes=16)) == []  # nobody on that step
    assert rig.alerting.climb(saturday + timedelta(minutes=31)) == 1
    owner = rig.alerting.fan_out(saturday + timedelta(minutes=31))
    assert [k.rsplit(":", 1)[1] for k in owner] == [ids["dueño"]]
    assert Incidents(store.engine).get("shop", incident).ladder_step == 3


def test_failures_retry_with_backoff_honour_retry_after_and_end_in_a_dead_letter(store, receiver):
    rig = Rig(store, shop())
    rig.destinations(receiver, new_webhook_secret(), hook="/hook")
    rig.open_incident()
    [key] = rig.alerting.fan_out(NOW)
    receiver.replies["/hook"] += [Reply(503), Reply(429, headers={"Retry-After": "120"})]
    [busy] = rig.send_all(NOW)
    assert isinstance(busy, Retry) and busy.at > NOW
    later = busy.at
    [limited] = rig.send_all(later)
    assert isinstance(limited, Retry) and limited.at >= later + timedelta(seconds=119)
    assert "429" in limited.reason
    assert rig.send_all(later + timedelta(seconds=60)) == []  # not before Retry-After
    receiver.replies["/hook"].append(Reply(410, "gone"))
    [gone] = rig.send_all(limited.at)
    assert isinstance(gone, Dead) and "410" in gone.reason
    [view] = rig.alerting.outbox.destinations("shop")
    assert not view.healthy and view.failures == 3 and view.dead == 1
    assert rig.alerting.outbox.get(key).status == "dead"


def test_sla_breaches_escalations_and_silent_channels_are_relayed_once(store, receiver,
                                                                       redis_client):  # fmt: skip
    rig = Rig(store, shop())
    ids = rig.destinations(receiver, new_webhook_secret(), hook="/hook")
    crisis_only = rig.alerting.add_destination(
        "shop", "crisis-only", Slack(url=f"{receiver.url}/slack"), ["incident"], NOW
    )
    # What the stream held before the first relay is the past, not news: nobody is paged.
    events.publish_once(redis_client, "shop", "old:0:first_response:breached", "sla.breached",
                        case_id="old", target="first_response")  # fmt: skip
    assert rig.alerting.relay(redis_client, "shop", NOW) == 0
    now = datetime.now(UTC)
    events.publish_once(redis_client, "shop", "c1:0:first_response:breached", "sla.breached",
                        case_id="c1", target="first_response", at=now.isoformat())  # fmt: skip
    # An imported case's SLA that ran out a month before it was stored is history, not news.
    events.publish_once(redis_client, "shop", "c0:0:first_response:breached", "sla.breached",
                        case_id="c0", target="first_response",
                        at=(now - timedelta(days=30)).isoformat())  # fmt: skip
    events.publish(redis_client, "shop", "mention.deleted", mention_id="m1")
    events.publish(redis_client, "shop", "channel.silent", channel="x", silent_for_s="1800")
    events.publish_once(redis_client, "other", "c9:0:first_response:breached", "sla.breached",
                        case_id="c9", target="first_response")  # fmt: skip
    assert rig.alerting.relay(redis_client, "shop", NOW) == 2
    assert rig.alerting.relay(redis_client, "shop", NOW) == 0  # the cursor moved
    due = rig.alerting.outbox.due(NOW)
    assert {k.rsplit(":", 1)[1] for k in due} == {ids["hook"]} and crisis_only not in str(due)
    rig.send_all(NOW)
    kinds = [s.json()["type"] for s in receiver.hits("/hook")]
    assert kinds == ["sla.breached", "channel.silent"]
    body = receiver.hits("/hook")[0].json()["data"]
    assert body["case_id"] == "c1" and "c9" not in json.dumps(receiver.hits("/hook")[1].json())
    assert "30 min" in receiver.hits("/hook")[1].json()["data"]["summary"]


def test_a_destinations_secret_is_sealed_and_never_shown(store, receiver):
    rig = Rig(store, shop())
    secret = new_webhook_secret()
    rig.destinations(receiver, secret, hook="/hook")
    rig.alerting.add_destination("shop", "chat", Slack(url=f"{receiver.url}/slack/T0/B0/xyz"),
                                 [], NOW)  # fmt: skip
    shown = json.dumps([d.as_json() for d in rig.alerting.outbox.destinations("shop")])
    assert secret not in shown and "xyz" not in shown and "127.0.0.1" in shown
    row = rig.alerting.outbox.destination("shop", "hook")
    assert secret not in row.sealed and rig.alerting.opened(row).secret == secret
    assert rig.alerting.outbox.destinations("other") == []


def test_a_delivery_that_fails_unexpectedly_is_dead_lettered_not_claimed_forever(store, receiver):
    from escucha.store.alert_outbox import Delivery

    rig = Rig(store, shop())
    ids = rig.destinations(receiver, new_webhook_secret(), hook="/hook")
    rig.alerting.outbox.add(Delivery("broken:1", "shop", ids["hook"], "incident.opened",
                                     {"not": "an alert"}), NOW)  # fmt: skip
    [outcome] = rig.send_all(NOW)
    assert isinstance(outcome, Dead) and "ValueError" in outcome.reason
    assert rig.alerting.outbox.get("broken:1").status == "dead"
    assert rig.send_all(NOW + timedelta(hours=1)) == [] and receiver.seen == []


def test_a_ladder_set_during_a_live_incident_climbs_from_its_first_delayed_step(store, receiver):
    rig = Rig(store, shop())
    ids = rig.destinations(receiver, new_webhook_secret(), guardia="/hook", jefa="/slack",
                           **{"dueño": "/hook"})  # fmt: skip
    incident = rig.open_incident()
    assert len(rig.alerting.fan_out(NOW)) == 3  # opened without a ladder: everyone heard
    rig.tenant = shop(LADDER)
    assert rig.alerting.climb(NOW + timedelta(minutes=16)) == 1
    climbed = rig.alerting.fan_out(NOW + timedelta(minutes=16))
    assert [k.rsplit(":", 1)[1] for k in climbed] == [ids["jefa"]]
    assert Incidents(store.engine).get("shop", incident).ladder_step == 2


def test_a_climb_taken_before_it_went_out_pages_nobody(store, receiver):
    rig = Rig(store, shop(LADDER))
    ids = rig.destinations(receiver, new_webhook_secret(), guardia="/hook", jefa="/slack")
    incident = rig.open_incident()
    assert rig.alerting.climb(NOW + timedelta(minutes=16)) == 0  # its opening is not out yet
    rig.alerting.fan_out(NOW)
    assert rig.alerting.climb(NOW + timedelta(minutes=16)) == 1
    # Ana takes it before the climb's entry is fanned out: the boss is not paged for nothing.
    assert Incidents(store.engine).acknowledge("shop", incident, "ana", NOW + timedelta(minutes=16))
    told = rig.alerting.fan_out(NOW + timedelta(minutes=16))
    assert [k.rsplit(":", 1)[1] for k in told] == [ids["guardia"]]  # who heard learns who took it
    entries = [e.change for e in Incidents(store.engine).thread("shop", incident)]
    assert entries == ["opened", "escalated", "acknowledged"]


def test_a_sender_whose_lease_ran_out_does_not_overwrite_the_next_ones_outcome(store, receiver):
    rig = Rig(store, shop())
    rig.destinations(receiver, new_webhook_secret(), hook="/hook")
    rig.open_incident()
    [key] = rig.alerting.fan_out(NOW)
    outbox = rig.alerting.outbox
    slow = outbox.claim(key, NOW)
    later = NOW + outbox.lease
    fresh = outbox.claim(key, later)
    assert slow is not None and fresh is not None
    outbox.retry(slow, later + timedelta(minutes=1), "timed out", later)  # too late: ignored
    assert outbox.get(key).status == "sending"
    outbox.sent(fresh, "200", later)
    outbox.dead(slow, "gave up", later)
    row = outbox.get(key)
    assert (row.status, row.receipt, row.attempts, row.last_error) == ("sent", "200", 1, None)


def test_one_tenant_that_fails_holds_back_no_other_in_a_round(store, receiver, redis_client):
    rig = Rig(store, shop())
    rig.destinations(receiver, new_webhook_secret(), hook="/hook")
    rig.open_incident()
    gone = Tenant(id="gone", timezone="Europe/Madrid", brands=["aerosol"])
    store.save(burst(gone, NOW - timedelta(minutes=3), 1, 1, text=SEVERE))
    assert rig.watch.check(gone, NOW).incident_id
    known = {"shop": rig.tenant}  # "gone" was deleted after its incident opened
    alerting = replace(rig.alerting, tenant_of=lambda tenant_id: known[tenant_id])
    due = alerting.tick(redis_client, NOW)
    [hook] = alerting.outbox.destinations("shop")
    assert [k.rsplit(":", 1)[1] for k in due] == [hook.id]
    stuck = Incidents(store.engine).pending_updates()
    assert [(e.tenant, e.change) for e in stuck] == [("gone", "opened")]  # left for next round


def test_a_destination_whose_address_turned_internal_is_not_sent_to(store, receiver):
    rig = Rig(store, shop())  # allows loopback, so the receiver could be added
    rig.destinations(receiver, new_webhook_secret(), hook="/hook")
    rig.open_incident()
    [key] = rig.alerting.fan_out(NOW)
    guarded = replace(rig.alerting, internal_hosts=False)  # as if its name now resolved inside
    with httpx.Client(timeout=5) as client:
        outcome = guarded.send(key, NOW, client)
    assert isinstance(outcome, Dead) and "internal address" in outcome.reason
    assert receiver.seen == [] and rig.alerting.outbox.get(key).status == "dead"
