"""`escucha crisis backtest`, `status` and `evaluate`'s engine, over a real store and real data."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from escucha.core.tenant import Tenant
from escucha.insight import backgrounds, evaluation
from escucha.insight.evaluation import LabelError, read_labels
from escucha.insight.watch import Watch
from escucha.store.incidents import Incidents
from escucha.store.migrate import upgrade
from escucha.store.queries import MentionFilter, find_mentions
from escucha.store.rollups import Rollups
from escucha.store.store import Store
from escucha.store.tenants import Tenants
from tests.crisis_history import SEVERE, burst, quiet_month
from tests.test_tenants import run_group

NOW = datetime(2026, 11, 24, 10, 7, tzinfo=UTC)  # a Tuesday, 11:07 in Madrid
BURST = NOW - timedelta(minutes=10)
SHOP = Tenant(id="shop", timezone="Europe/Madrid", brands=["aerosol"], languages=["es", "en"])
MADRID = ZoneInfo("Europe/Madrid")


def stored(data: Path) -> Store:
    """A store in `data` (SQLite, where `escucha` finds it) with the shop as a tenant."""
    data.mkdir(parents=True)
    url = f"sqlite:///{data / 'escucha.db'}"
    upgrade(url)
    store = Store.from_url(url)
    Tenants(store.engine).put(SHOP)
    return store


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Forty quiet days of the shop's mentions, then forty complaints in ten minutes."""
    data = tmp_path_factory.mktemp("backtest") / "data"
    store = stored(data)
    quiet_month(store, SHOP, BURST, days=40)
    store.save(burst(SHOP, BURST, 40, 10_000))
    store.dispose()
    return data


def backtest(data: Path, *args: str):
    return run_group("crisis", ["backtest", "--tenant", "shop", *args], data)


def test_a_quiet_month_and_a_burst_replay_to_one_incident_opened_in_the_burst_hour(history):
    ran = backtest(history, "--since", "2026-11-22", "--until", "2026-11-25", "--json")
    assert ran.returncode == 0, ran.stderr
    [line] = ran.stdout.splitlines()
    incident = json.loads(line)
    assert {"opened_at", "closed_at", "topic", "trigger", "observed", "expected"} <= set(incident)
    opened = datetime.fromisoformat(incident["opened_at"])
    assert BURST <= opened <= BURST + timedelta(hours=1)
    assert incident["observed"] >= 40 and incident["expected"] < incident["observed"] / 3
    table = backtest(history, "--since", "2026-11-22", "--until", "2026-11-25")
    assert table.returncode == 0 and "2026-11-24 11:" in table.stdout  # Madrid time


def test_labels_score_the_replay_in_text_and_json(history, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("start,end,topic\n2026-11-24T10:30,2026-11-24T13:00,negative\n")
    ran = backtest(history, "--since", "2026-11-22", "--until", "2026-11-25", "--json",
                   "--labels", str(labels))  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    *incidents, last = [json.loads(line) for line in ran.stdout.splitlines()]
    assert len(incidents) == 1 and last["summary"] is True
    assert (last["precision"], last["recall"]) == (1.0, 1.0)
    assert 0 < last["median_delay_minutes"] < 60  # the burst began at 10:57, 27 min in
    jsonl = tmp_path / "labels.jsonl"
    jsonl.write_text(json.dumps({"start": "2026-11-20", "end": "2026-11-21"}) + "\n")
    text = backtest(history, "--since", "2026-11-19", "--until", "2026-11-25",
                    "--labels", str(jsonl))  # fmt: skip
    assert text.returncode == 0, text.stderr
    assert "precision 0.00" in text.stdout and "recall 0.00" in text.stdout


def test_an_unknown_tenant_a_bad_labels_file_and_an_empty_range_are_refused(history, tmp_path):
    unknown = run_group("crisis", ["backtest", "--tenant", "nadie", "--since", "2026-11-22",
                                   "--until", "2026-11-25"], history)  # fmt: skip
    assert unknown.returncode == 1 and "no tenant 'nadie'" in unknown.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("start,end\n2026-11-24T10:00,2026-11-24T11:00\n2026-11-24,ayer\n")
    refused = backtest(history, "--since", "2026-11-22", "--until", "2026-11-25",
                       "--labels", str(bad))  # fmt: skip
    assert refused.returncode == 2
    assert "bad.csv line 3" in refused.stderr and "'ayer' is not an ISO date" in refused.stderr
    backwards = backtest(history, "--since", "2026-11-25", "--until", "2026-11-22")
    assert backwards.returncode == 2 and "is not after" in backwards.stderr
    step = backtest(history, "--since", "2026-11-22", "--until", "2026-11-25", "--step", "10")
    assert step.returncode == 2 and "15-minute" in step.stderr


def test_labels_are_read_from_csv_or_json_lines_and_bad_ones_say_where_and_why(tmp_path):
    csv = tmp_path / "l.csv"
    csv.write_text("2026-11-24T10:00,2026-11-24T12:00+00:00,brand:aerosol\n")
    [label] = read_labels(csv, MADRID)
    assert label.start == datetime(2026, 11, 24, 9, tzinfo=UTC)  # naive is Madrid's time
    assert label.end == datetime(2026, 11, 24, 12, tzinfo=UTC) and label.topic == "brand:aerosol"
    cases = {
        '{"start": "2026-11-24"}\n': "line 1: a label needs a start and an end",
        '{"start": "2026-11-24", "end": "2026-11-25"}\n{broken\n': "line 2: not valid JSON",
        "2026-11-25,2026-11-24\n": "line 1: its end 2026-11-24 is not after its start",
        "a,b,c,d\n": "line 1: 4 fields",
        "start,end\n": "no labels in it",
    }
    for n, (text, why) in enumerate(cases.items()):
        path = tmp_path / f"bad{n}.txt"
        path.write_text(text)
        with pytest.raises(LabelError, match=why):
            read_labels(path, MADRID)


def test_status_shows_the_incident_the_watch_opened_and_quiet_otherwise(tmp_path):
    data = tmp_path / "data"
    store = stored(data)
    Tenants(store.engine).put(Tenant(id="calm", timezone="Europe/Madrid"))
    quiet = run_group("crisis", ["status"], data)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.count("quiet") == 2

    def mentions(tenant, since, until):
        return find_mentions(store, tenant, MentionFilter(since=since, until=until, limit=500))

    watch = Watch(Rollups(store.engine), Incidents(store.engine), mentions, lambda *_: None)
    store.save(burst(SHOP, NOW - timedelta(minutes=3), 1, 1, text=SEVERE))
    assert watch.check(SHOP, NOW).change == "opened"
    store.dispose()
    shown = run_group("crisis", ["status"], data)
    assert shown.returncode == 0, shown.stderr
    [shop] = [line for line in shown.stdout.splitlines() if "shop" in line]
    assert "open" in shop and "severity" in shop and "2026-11-24 11:07" in shop and "no" in shop
    [calm] = [line for line in shown.stdout.splitlines() if "calm" in line]
    assert "quiet" in calm
    one = run_group("crisis", ["status", "--tenant", "calm"], data)
    assert "shop" not in one.stdout and "quiet" in one.stdout
    assert run_group("crisis", ["status", "--tenant", "nadie"], data).returncode == 1


def test_a_small_evaluation_has_its_rows_and_catches_five_times_days_at_fifteen_a_day():
    work = evaluation.tasks(1, 8, seed=7, rates=(15.0,), multipliers=(5.0,),
                            kinds=("synthetic",), quiet_days=7)  # fmt: skip
    assert [t.kind for t in work].count("quiet") == 1 and len(work) == 9
    report = evaluation.summarise(evaluation.run(t) for t in work)
    [alarms] = report.false_alarms
    assert (alarms.background, alarms.rate, alarms.days, alarms.step_minutes) == (
        "synthetic", 15.0, 7, 15)  # fmt: skip
    assert set(alarms.per_topic) == {"all", "negative"}
    [caught] = report.detection
    assert (caught.multiplier, caught.runs) == (5.0, 8)
    assert caught.caught >= 7, caught  # a 5x day at 15 a day is 60 extra complaints
    assert caught.median_delay_minutes is not None and caught.median_delay_minutes < 24 * 60
    kinds = [row.get("kind") for row in report.rows()]
    assert kinds == ["false_alarms", "detection", "target"]
    assert report.targets[0].what.startswith("synthetic 15/day: false alarms")


@pytest.mark.data
def test_real_backgrounds_thin_to_the_rate_and_the_us_week_flags_the_22nd(shared_data):
    days = backgrounds.read_es_airlines(shared_data)
    assert len(days.dates) >= 30 and 80 < days.per_day < 140
    counts = backgrounds.real(days, 15, 96, np.random.default_rng(0))
    assert abs(counts.counts.sum() / 96 - 15) < 1.5
    assert 0.4 < counts.negatives.sum() / counts.counts.sum() < 0.56  # the data's own share
    assert len(set(counts.sources)) <= len(days.dates) < 96  # days come back: it is tiled
    for airline in ("United", "US Airways"):
        week = evaluation.run(evaluation.Task("week", "tiled", airline=airline,
                                              data=str(shared_data)))  # fmt: skip
        flagged = evaluation.Week(airline, "tiled", week.days, week.opened).flagged()
        assert "2015-02-22" in flagged, (airline, week.opened)
    calm = evaluation.run(evaluation.Task("week", "tiled", airline="Southwest",
                                          data=str(shared_data)))  # fmt: skip
    assert calm.opened == ()  # its 22nd and 23rd were ordinary days


@pytest.mark.data
def test_a_quiet_real_background_leaves_the_strike_week_out_and_only_quiet_ones_have_targets(
    shared_data,
):
    every = backgrounds.read_es_airlines(shared_data)
    assert backgrounds.NEWS_DAYS & set(every.dates)  # the strike is in the data
    quiet = every.without(backgrounds.NEWS_DAYS)
    assert not backgrounds.NEWS_DAYS & set(quiet.dates)
    assert len(quiet.dates) == len(every.dates) - len(backgrounds.NEWS_DAYS & set(every.dates))
    counts = backgrounds.real(quiet, 15, 96, np.random.default_rng(1))
    assert not backgrounds.NEWS_DAYS & set(counts.sources)
    work = evaluation.tasks(1, 1, seed=3, rates=(15.0,), multipliers=(3.0,), quiet_days=3,
                            data=shared_data, week=False)  # fmt: skip
    assert sorted((t.kind, t.background) for t in work) == [
        ("quiet", "real"), ("quiet", "real+news"), ("quiet", "synthetic"),
        ("surge", "real"), ("surge", "synthetic")]  # fmt: skip
    report = evaluation.summarise(evaluation.run(t) for t in work)
    assert [a.background for a in report.false_alarms] == ["synthetic", "real", "real+news"]
    assert not any("real+news" in t.what for t in report.targets)
