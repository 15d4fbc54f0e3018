"""How workers and the API see tenants: the table, its accounts, and beat's poller fan-out."""

import pytest

from escucha.channels.polling.schedule import claim_due
from escucha.core.tenant import Accounts, Tenant
from escucha.store.migrate import upgrade
from escucha.store.store import make_engine
from escucha.store.tenant_directory import TenantDirectory
from escucha.store.tenants import AccountTaken, Tenants


@pytest.fixture
def tenants(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    yield Tenants(engine)
    engine.dispose()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_an_account_has_one_owner_and_follows_its_tenant(tenants):
    tenants.put(Tenant(id="acme", accounts=Accounts(meta_pages=["111"], x_user_ids=["7"])))
    with pytest.raises(AccountTaken, match="'meta:111' already belongs to tenant 'acme'"):
        tenants.put(Tenant(id="beta", accounts=Accounts(meta_pages=["222", "111"])))
    assert tenants.get("beta") is None  # refused whole, nothing half-stored
    assert tenants.owners() == {"meta:111": "acme", "x:7": "acme"}
    tenants.put(Tenant(id="acme", accounts=Accounts(x_user_ids=["7"], mastodon=["m.example"])))
    tenants.put(Tenant(id="beta", accounts=Accounts(meta_pages=["111"])))  # acme let it go
    assert tenants.owners() == {"x:7": "acme", "mastodon:m.example": "acme", "meta:111": "beta"}


def test_a_change_is_seen_once_the_cache_is_older_than_its_ttl(tenants):
    clock = Clock()
    directory = TenantDirectory(tenants, ttl_s=5.0, clock=clock)
    assert directory.get("acme") == Tenant(id="acme")  # no row yet: the defaults, not a refusal
    tenants.put(Tenant(id="acme", brands=["Acme"], accounts=Accounts(meta_pages=["111"])))
    clock.now = 4.9
    assert directory.get("acme").brands == [] and directory.owner("meta:111") is None
    clock.now = 5.0
    assert directory.get("acme").brands == ["Acme"] and directory.owner("meta:111") == "acme"
    assert [t.id for t in directory.all()] == ["acme"]


def test_beat_hands_each_pollers_interval_out_once(redis_client, tenants):
    feed = {"name": "blog", "url": "http://127.0.0.1:9/feed", "interval_s": 60}
    tenants.put(Tenant(id="acme", feeds=[feed]))
    due = claim_due(redis_client, tenants.all())
    assert [(d.tenant, d.poller) for d in due] == [("acme", "feed:blog")]
    assert claim_due(redis_client, tenants.all()) == []  # the same interval: not again
    tenants.put(Tenant(id="beta", feeds=[feed | {"name": "news"}]))  # added while running
    assert [(d.tenant, d.poller) for d in claim_due(redis_client, tenants.all())] == [
        ("beta", "feed:news")
    ]
    redis_client.flushdb()  # every slot expired
    assert len(claim_due(redis_client, tenants.all())) == 2
