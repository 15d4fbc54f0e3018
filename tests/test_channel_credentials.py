"""Connected channels: tokens sealed at rest, never shown, and the account becomes the tenant's."""

import stat

import pytest
from sqlalchemy import text

from escucha.core.sealed import Sealer, SealError, installation_keys, new_key
from escucha.core.tenant import Tenant
from escucha.store.channel_credentials import ChannelCredentials, UnknownTenant
from escucha.store.migrate import upgrade
from escucha.store.store import make_engine
from escucha.store.tenants import AccountTaken, Tenants
from tests.test_tenants import run_group

TOKEN = "EAAB-page-token-that-must-never-show"


@pytest.fixture
def engine(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    Tenants(engine).put(Tenant(id="acme"))
    Tenants(engine).put(Tenant(id="beta"))
    yield engine
    engine.dispose()


def test_a_token_is_stored_sealed_and_opened_only_for_its_tenant(engine):
    credentials = ChannelCredentials(engine, Sealer([new_key()]))
    connected = credentials.connect("acme", "facebook", "111", TOKEN)
    assert connected.account == "meta:111" and TOKEN not in repr(connected)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT sealed_token FROM channel_credentials")).scalar()
    assert TOKEN not in stored and credentials.token("acme", "meta:111") == TOKEN
    assert credentials.token("beta", "meta:111") is None  # another tenant's account
    assert Tenants(engine).owners()["meta:111"] == "acme"  # its events now come to acme
    with pytest.raises(AccountTaken):
        credentials.connect("beta", "facebook", "111", "other")
    with pytest.raises(UnknownTenant):
        credentials.connect("nobody", "x", "7", "t")
    assert [c.account for c in credentials.of_tenant("acme")] == ["meta:111"]
    assert (
        credentials.disconnect("acme", "meta:111") and credentials.token("acme", "meta:111") is None
    )


def test_keys_rotate_and_a_lost_key_says_so():
    old, new = new_key(), new_key()
    sealed = Sealer([old]).seal(TOKEN)
    assert Sealer([new, old]).open(sealed) == TOKEN  # rotated: the old key still opens
    with pytest.raises(SealError, match="ESCUCHA_PREVIOUS_SECRET_KEYS"):
        Sealer([new]).open(sealed)
    with pytest.raises(ValueError, match="32 url-safe base64"):
        Sealer(["not-a-key"])
    assert "hidden" in repr(Sealer([new]))


def test_the_key_file_is_made_once_and_private(tmp_path):
    path = tmp_path / "data" / "secret.key"
    keys = installation_keys(None, [], path)
    assert installation_keys(None, [], path) == keys  # the same key next time
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_channel_commands_never_print_a_token(tmp_path):
    data = tmp_path / "data"
    assert (
        run_group("tenant", ["add", "acme", "--name", "Acme", "--timezone", "UTC"], data).returncode
        == 0
    )
    connected = run_group("channel", ["connect", "--tenant", "acme", "meta", "--page-id", "111",
                                      "--token", TOKEN], data)  # fmt: skip
    assert connected.returncode == 0, connected.stderr
    assert "meta:111" in connected.stdout and TOKEN not in connected.stdout + connected.stderr
    args = ["connect", "mastodon", "--tenant", "acme", "--instance", "https://m.example",
            "--account", "acme", "--token", TOKEN]  # fmt: skip
    mastodon = run_group("channel", args, data)
    assert mastodon.returncode == 0 and "mastodon:m.example/@acme" in mastodon.stdout
    listing = run_group("channel", ["list", "--tenant", "acme"], data)
    assert "meta:111" in listing.stdout and TOKEN not in listing.stdout
    assert TOKEN.encode() not in (data / "escucha.db").read_bytes()
    shown = run_group("tenant", ["show", "acme"], data).stdout
    assert '"111"' in shown and "m.example/@acme" in shown  # the accounts are the tenant's now
    again = run_group("channel", ["connect", "x", "--tenant", "nobody", "--user-id", "5",
                                  "--token", TOKEN], data)  # fmt: skip
    assert again.returncode == 2 and "no tenant 'nobody'" in again.stderr
