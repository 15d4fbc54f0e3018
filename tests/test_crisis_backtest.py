"""`escucha crisis backtest` and `escucha crisis status`, as an operator runs them on a store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from escucha.core.tenant import Tenant
from escucha.insight.watch import Watch
from escucha.store.incidents import Incidents
from escucha.store.migrate import upgrade
from escucha.store.queries import MentionFilter, find_mentions
from escucha.store.rollups import Rollups
from escucha.store.store import Store
from escucha.store.tenants import Tenants
from tests.crisis_history import burst, quiet_month

SHOP = Tenant(id="shop", timezone="Europe/Madrid", brands=["aerosol"], languages=["es", "en"])
BURST = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Madrid


def crisis(args: list[str], data) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ESCUCHA_DATA_DIR": str(data), "COLUMNS": "200"}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "escucha", "crisis", *args], env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def history(tmp_path) -> tuple[Store, object]:
    data = tmp_path / "data"
    data.mkdir()
    url = f"sqlite:///{data / 'escucha.db'}"
    upgrade(url)
    store = Store.from_url(url)
    Tenants(store.engine).put(SHOP)
    quiet_month(store, SHOP, BURST, per_day=10)
    store.save(burst(SHOP, BURST, 40, 100_000))
    return store, data


def test_a_backtest_lists_the_one_incident_of_a_quiet_month_and_scores_it(tmp_path):
    store, data = history(tmp_path)
    store.dispose()
    labels = tmp_path / "labels.csv"
    labels.write_text("start,end\n2026-11-24T10:00:00Z,2026-11-24T12:00:00Z\n")
    found = crisis(["backtest", "--tenant", "shop", "--since", "2026-11-20",
                    "--until", "2026-11-25", "--json", "--labels", str(labels)], data)  # fmt: skip
    assert found.returncode == 0, found.stderr
    *incidents, summary = [json.loads(line) for line in found.stdout.splitlines()]
    assert len(incidents) == 1, incidents
    [one] = incidents
    opened = datetime.fromisoformat(one["opened_at"])
    assert BURST <= opened <= BURST + timedelta(minutes=30)
    assert one["observed"] >= 5 and one["expected"] < one["observed"]
    assert {"closed_at", "topic", "trigger"} <= set(one)
    assert summary["summary"] is True
    assert summary["precision"] == 1.0 and summary["recall"] == 1.0


def test_clear_errors_for_an_unknown_tenant_bad_dates_and_bad_labels(tmp_path):
    store, data = history(tmp_path)
    store.dispose()
    unknown = crisis(["backtest", "--tenant", "nadie", "--since", "2026-11-20",
                      "--until", "2026-11-25"], data)  # fmt: skip
    assert unknown.returncode != 0 and "no tenant 'nadie'" in unknown.stderr
    backwards = crisis(["backtest", "--tenant", "shop", "--since", "2026-11-25",
                        "--until", "2026-11-20"], data)  # fmt: skip
    assert backwards.returncode != 0 and "not after" in backwards.stderr
    labels = tmp_path / "labels.csv"
    labels.write_text("start,end\nyesterday,2026-11-24\n")
    bad = crisis(["backtest", "--tenant", "shop", "--since", "2026-11-20",
                  "--until", "2026-11-25", "--labels", str(labels)], data)  # fmt: skip
    assert bad.returncode != 0 and "bad labels" in bad.stderr and "yesterday" in bad.stderr


def test_status_shows_the_open_incident_or_quiet(tmp_path):
    store, data = history(tmp_path)
    assert "quiet" in crisis(["status"], data).stdout

    def mentions(tenant, since, until):
        return find_mentions(store, tenant, MentionFilter(since=since, until=until))

    watch = Watch(Rollups(store.engine), Incidents(store.engine), mentions, lambda *a: None)
    checked = watch.check(SHOP, BURST + timedelta(minutes=12))
    assert checked.incident_id
    store.dispose()
    shown = crisis(["status", "--tenant", "shop"], data)
    assert shown.returncode == 0, shown.stderr
    assert "shop" in shown.stdout and "open" in shown.stdout and "quiet" not in shown.stdout
