"""The tenants table and `escucha tenant`, on SQLite and PostgreSQL, as a user runs them."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from escucha.core.tenant import Tenant
from escucha.store.migrate import upgrade
from escucha.store.store import make_engine
from escucha.store.tenants import Tenants

ROOT = Path(__file__).resolve().parents[1]
SPLIT = "mon-fri 09:00-14:00,16:30-19:30; sat 10:00-13:00"


def test_tenants_are_stored_whole_and_putting_one_again_changes_nothing(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    tenants = Tenants(engine)
    acme = Tenant(id="acme", name="Acme", timezone="Europe/Madrid", hours=SPLIT,
                  holidays="ES-MD", brands=["Acme"])  # fmt: skip
    assert tenants.put(acme) is True
    assert tenants.put(acme) is False
    assert tenants.get("acme") == acme
    moved = acme.model_copy(update={"timezone": "America/Mexico_City", "holidays": "MX"})
    assert tenants.put(moved) is False and tenants.get("acme") == moved
    tenants.put(Tenant(id="beta", name="Beta"))
    assert [t.id for t in tenants.all()] == ["acme", "beta"]
    assert tenants.get("nobody") is None
    engine.dispose()


def run_group(group, args, data_dir):
    """`escucha <group> ...` as a user runs it, on its own data dir (SQLite there)."""
    env = {**os.environ, "ESCUCHA_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    env.pop("DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "escucha", group, *args], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def escucha(args, data_dir):
    return run_group("tenant", args, data_dir)


def test_the_tenant_commands_add_list_show_export_and_import(tmp_path):
    data = tmp_path / "data"
    added = escucha(["add", "acme", "--name", "Acme SL", "--timezone", "Europe/Madrid",
                     "--hours", SPLIT, "--holidays", "es-md", "--brand", "Acme"], data)  # fmt: skip
    assert added.returncode == 0 and "created tenant acme" in added.stdout, added.stderr
    imported = escucha(["import", str(ROOT / "config" / "tenant.example.toml")], data)
    assert imported.returncode == 0 and "created tenant default" in imported.stdout
    listing = escucha(["list"], data)
    assert (
        "acme" in listing.stdout
        and "Aerolíneas Sol" in listing.stdout
        and "ES-MD" in listing.stdout
    )
    exported = escucha(["export", "acme"], data)
    document = tomllib.loads(exported.stdout)["tenant"]
    assert document["hours"] == SPLIT and document["holidays"] == "ES-MD"
    edited = tmp_path / "acme.toml"
    edited.write_text(exported.stdout.replace('"Acme SL"', '"Acme Sociedad"'))
    again = escucha(["import", str(edited)], data)
    assert again.returncode == 0 and "updated tenant acme (Acme Sociedad)" in again.stdout
    assert "Acme Sociedad" in escucha(["show", "acme"], data).stdout
    missing = escucha(["show", "nobody"], data)
    assert missing.returncode == 1 and "no tenant 'nobody'" in missing.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--timezone", "Europe/Madri"], "timezone: 'Europe/Madri' is not an IANA time zone"),
        (["--hours", "mon 09:00-14:00,13:00-15:00"], "hours: hours 'mon 09:00-14:00,13:00-15:00'"),
        (["--holidays", "ES-XX"], "holidays: holiday calendar 'ES-XX': ES's regions are"),
    ],
)
def test_bad_tenant_input_is_refused_with_where_and_why(tmp_path, args, says):
    base = {"--timezone": "Europe/Madrid"}
    options = [item for key, value in base.items() if key not in args for item in (key, value)]
    result = escucha(["add", "acme", "--name", "Acme", *options, *args], tmp_path / "data")
    assert result.returncode == 2 and says in result.stderr, result.stderr
    assert "acme" not in escucha(["list"], tmp_path / "data").stdout


def test_a_broken_import_file_names_the_field(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('[tenant]\nid = "acme"\ntimezone = "UTC"\nhours = "sun-sat 10:00-09:00"\n')
    result = escucha(["import", str(path)], tmp_path / "data")
    assert result.returncode == 2 and f"{path}: tenant. hours:" in result.stderr
    path.write_text("[tenant\n")
    result = escucha(["import", str(path)], tmp_path / "data")
    assert result.returncode == 2 and str(path) in result.stderr


def test_importing_another_tenants_account_is_refused_naming_both(tmp_path):
    data = tmp_path / "data"
    for tenant in ("acme", "beta"):
        path = tmp_path / f"{tenant}.toml"
        path.write_text(f'[tenant]\nid = "{tenant}"\n[tenant.accounts]\nmeta_pages = ["111"]\n')
        result = escucha(["import", str(path)], data)
    assert result.returncode == 2, result.stdout
    assert "'meta:111' already belongs to tenant 'acme'" in result.stderr
    assert "beta" not in escucha(["list"], data).stdout


def key_command(args, data_dir):
    return run_group("key", args, data_dir)


def test_key_commands_print_a_key_once_list_without_it_and_revoke(tmp_path):
    data = tmp_path / "data"
    escucha(["add", "acme", "--name", "Acme", "--timezone", "UTC"], data)
    made = key_command(["create", "--tenant", "acme", "--role", "ingest", "--name", "zapier"], data)
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("esk_") and "shown once" in made.stderr
    _, key_id, secret = key.split("_", 2)  # a urlsafe secret may itself hold "_"
    listing = key_command(["list", "--tenant", "acme"], data)
    assert key_id in listing.stdout and "zapier" in listing.stdout and key not in listing.stdout
    assert secret not in (data / "escucha.db").read_bytes().decode("latin-1")
    assert "revoked key" in key_command(["revoke", key_id], data).stdout
    assert "already revoked" in key_command(["revoke", key_id], data).stdout
    assert key_command(["revoke", "nope"], data).returncode == 1
    nobody = key_command(["create", "--tenant", "nobody", "--role", "read"], data)
    assert nobody.returncode == 2 and "no tenant 'nobody'" in nobody.stderr
