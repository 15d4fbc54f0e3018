"""REDIS_URL's two forms, read the same way by staging, the broker and beat."""

import pytest
import redis

from config.celery import celery_config
from config.settings import Settings
from escucha.core.errors import is_transient
from escucha.core.redis_connect import SentinelAddress, connect, sentinel_address
from escucha.pipeline.replication import NotReplicated, confirm

SENTINELS = "sentinel://:s%40cret@10.0.0.1:26379/2;sentinel://10.0.0.2;sentinel://10.0.0.3:26380"


def test_kombus_sentinel_form_names_every_sentinel_and_the_primarys_db_and_password():
    assert sentinel_address(SENTINELS) == SentinelAddress(
        nodes=(("10.0.0.1", 26379), ("10.0.0.2", 26379), ("10.0.0.3", 26380)),
        db=2,
        password="s@cret",
    )
    assert sentinel_address("redis://127.0.0.1:6379/0") is None


@pytest.mark.parametrize("url", ["sentinel://", "sentinel://h:1;redis://h:2", "sentinel://h/x"])
def test_a_malformed_sentinel_url_is_refused_by_name(url):
    with pytest.raises(ValueError, match=r"sentinel|number"):
        sentinel_address(url)


def test_a_sentinel_url_makes_a_client_that_asks_the_sentinels_for_the_primary():
    client = connect(SENTINELS, "escucha", socket_timeout_s=0.5)
    pool = client.connection_pool
    assert isinstance(pool, redis.sentinel.SentinelConnectionPool)
    assert pool.service_name == "escucha"
    assert pool.connection_kwargs["db"] == 2
    assert pool.connection_kwargs["password"] == "s@cret"
    hosts = [s.connection_pool.connection_kwargs["host"] for s in pool.sentinel_manager.sentinels]
    assert hosts == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]


def test_with_sentinel_ingest_waits_for_one_replica_unless_told_otherwise():
    assert Settings(redis_url=SENTINELS).stores.effective_ack_replicas == 1
    assert Settings(redis_url="redis://h:6379/0").stores.effective_ack_replicas == 0
    told = Settings(redis_url=SENTINELS, redis_ack_replicas=0)
    assert told.stores.effective_ack_replicas == 0


def test_the_broker_and_beat_find_the_primary_through_the_same_sentinels():
    config = celery_config(Settings(redis_url=SENTINELS, redis_master="escucha"))
    assert config["broker_url"] == SENTINELS
    assert config["broker_transport_options"]["master_name"] == "escucha"
    assert config["redbeat_redis_url"].startswith("redis-sentinel")
    options = config["redbeat_redis_options"]
    assert options["sentinels"] == [("10.0.0.1", 26379), ("10.0.0.2", 26379), ("10.0.0.3", 26380)]
    assert (options["service_name"], options["db"], options["password"]) == ("escucha", 2, "s@cret")
    plain = celery_config(Settings(redis_url="redis://h:6379/0"))
    assert "master_name" not in plain["broker_transport_options"]
    assert plain["redbeat_redis_url"] == "redis://h:6379/0"


def test_a_batch_no_replica_acknowledged_is_a_transient_refusal(redis_client):
    confirm(redis_client, 0, 10)  # no replicas asked for: nothing to wait for
    with pytest.raises(NotReplicated) as refused:
        confirm(redis_client, 1, 50)  # the session's server has no replica
    assert is_transient(refused.value)


def test_a_demoted_primarys_refusal_is_transient():
    assert is_transient(redis.exceptions.ReadOnlyError("READONLY"))
    assert is_transient(redis.sentinel.MasterNotFoundError("no primary for escucha"))
