"""The live crisis check over a real store: rollups counted once, incidents opened, explained."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from escucha.core.tenant import Tenant
from escucha.insight.incident import Change
from escucha.insight.series import BIN
from escucha.insight.watch import Watch
from escucha.store.incidents import Incidents, UnknownIncident
from escucha.store.queries import MentionFilter, find_mentions
from escucha.store.rollups import Rollups
from escucha.store.store import Store
from tests.crisis_history import NEGATIVE, SEVERE, burst, quiet_month

NOW = datetime(2026, 11, 24, 10, 7, tzinfo=UTC)  # a Tuesday, 11:07 in Madrid
SHOP = Tenant(id="shop", timezone="Europe/Madrid", brands=["aerosol"], languages=["es", "en"])


def watch_over(store: Store, published: list) -> Watch:
    def mentions(tenant, since, until):
        return find_mentions(store, tenant, MentionFilter(since=since, until=until, limit=500))

    return Watch(Rollups(store.engine), Incidents(store.engine), mentions,
                 lambda tenant, kind, fields: published.append((tenant, kind, fields)))  # fmt: skip


def test_a_mention_is_counted_once_in_each_grain_however_often_it_is_stored(store):
    [first] = burst(SHOP, NOW, 1, 1)
    store.save([first])
    store.save([first])  # a replay
    store.save([first.model_copy(update={"text": "edited"})])  # an edit
    bins = Rollups(store.engine)
    for grain in ("q", "h", "d"):
        found = bins.bins(
            "shop", ["all", "negative"], NOW - timedelta(days=1), NOW + timedelta(days=1), grain
        )
        assert [c for _, c, _ in found["all"]] == [1]
        assert [n for _, _, n in found["negative"]] == [1]
    assert Rollups(store.engine).bins(
        "other", ["all"], NOW - timedelta(days=1), NOW + timedelta(days=1)
    ) == {"all": []}


def test_a_quiet_month_opens_nothing_and_forty_complaints_in_ten_minutes_open_one_incident(store):
    quiet_month(store, SHOP, NOW - timedelta(minutes=10))
    published: list = []
    watch = watch_over(store, published)
    assert watch.check(SHOP, NOW - timedelta(minutes=10)).change is None
    store.save(burst(SHOP, NOW - timedelta(minutes=10), 40, 10_000))
    checked = watch.check(SHOP, NOW)
    assert checked.change is Change.opened
    incident = Incidents(store.engine).get("shop", checked.incident_id)
    assert incident.status == "open" and incident.observed >= 40
    explanation = incident.explanation
    assert explanation["headline"].startswith(f"{incident.observed} ")
    assert "lo normal un martes a esta hora son" in explanation["headline"]
    assert len(explanation["samples"]) == 1  # forty copies of one text are one sample
    assert published[-1][:2] == ("shop", "incident.opened")
    # The thread entry is what alerts people: it waits to be turned into deliveries.
    [pending] = Incidents(store.engine).pending_updates()
    assert (pending.incident_id, pending.change) == (checked.incident_id, "opened")
    # Checking again a minute later with nothing new changes nothing people hear about.
    again = watch.check(SHOP, NOW + timedelta(minutes=1))
    assert again.incident_id == checked.incident_id and again.change is None
    # A second, bigger burst within the cooldown updates the same incident.
    store.save(burst(SHOP, NOW + timedelta(minutes=2), 80, 20_000))
    bigger = watch.check(SHOP, NOW + timedelta(minutes=12))
    assert bigger.incident_id == checked.incident_id and bigger.change is Change.updated
    thread = [u.change for u in Incidents(store.engine).thread("shop", checked.incident_id)]
    assert thread == ["opened", "updated"]
    with pytest.raises(UnknownIncident):
        Incidents(store.engine).get("other", checked.incident_id)


def test_one_severe_mention_alarms_at_any_volume_and_the_incident_closes_after_the_cooldown(store):
    published: list = []
    watch = watch_over(store, published)
    store.save(burst(SHOP, NOW - timedelta(minutes=3), 1, 1, text=SEVERE))
    opened = watch.check(SHOP, NOW)
    assert opened.change is Change.opened
    row = Incidents(store.engine).get("shop", opened.incident_id)
    assert row.trigger == "severity" and "estafa" in " ".join(
        row.explanation["top_terms"] + [row.explanation["samples"][0]["text"]]
    )
    subsiding = watch.check(SHOP, NOW + timedelta(hours=2))
    assert subsiding.change is Change.updated
    assert Incidents(store.engine).get("shop", opened.incident_id).status == "subsiding"
    closed = watch.check(SHOP, NOW + timedelta(hours=7))
    assert closed.change is Change.closed
    assert [k for _, k, _ in published] == [
        "incident.opened",
        "incident.updated",
        "incident.closed",
    ]
    assert Incidents(store.engine).current("shop") is None


def test_a_negative_mention_from_a_big_account_alarms(store):
    from tests.factories import triaged

    famous = triaged(1, config=SHOP, tenant="shop", text=NEGATIVE, author="famosa",
                     author_followers=250_000, created_at=NOW - timedelta(minutes=5))  # fmt: skip
    store.save([famous])
    published: list = []
    checked = watch_over(store, published).check(SHOP, NOW)
    row = Incidents(store.engine).get("shop", checked.incident_id)
    assert "influencer" in row.triggers
    assert row.explanation["top_voices"][0] == {
        "author": "famosa",
        "followers": 250_000,
        "mentions": 1,
    }


def test_a_tenant_heard_for_the_first_time_has_no_past_to_surge_over_but_severity_alarms(store):
    watch = watch_over(store, [])
    # Its first day: forty complaints in ten minutes, but escucha never heard it before, so
    # the 28 days before are unknown, not quiet.
    store.save(burst(SHOP, NOW - timedelta(minutes=10), 40, 10_000))
    began = Rollups(store.engine).first("shop")
    assert began is not None and began <= NOW - timedelta(minutes=10) < began + BIN
    assert watch.signals(SHOP, NOW) == [] and watch.check(SHOP, NOW).change is None
    store.save(burst(SHOP, NOW - timedelta(minutes=2), 1, 20_000, text=SEVERE))
    assert watch.check(SHOP, NOW).change is Change.opened  # instant triggers need no past
    # Heard for two quiet days before, the same burst is a surge.
    heard = SHOP.model_copy(update={"id": "heard"})
    quiet_month(store, heard, NOW - timedelta(minutes=10), days=2)
    store.save(burst(heard, NOW - timedelta(minutes=10), 40, 30_000))
    assert "surge_hour" in {s.trigger for s in watch.signals(heard, NOW)}
    assert Rollups(store.engine).first("nobody") is None
