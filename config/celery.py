"""Celery configuration, derived from Settings so the broker and the code agree on one timeout."""

from __future__ import annotations

from typing import Any

from config.settings import Settings, Stores
from escucha.core.redis_connect import SENTINEL_TIMEOUT_S, sentinel_address
from workers import beat, queues


def sentinel_options(stores: Stores) -> dict[str, Any]:
    """kombu's Sentinel transport options: which service, and sentinels that answer fast."""
    if not stores.uses_sentinel:
        return {}
    timeouts = {"socket_timeout": SENTINEL_TIMEOUT_S, "socket_connect_timeout": SENTINEL_TIMEOUT_S}
    return {"master_name": stores.redis_master, "sentinel_kwargs": timeouts}


def redbeat_options(stores: Stores) -> dict[str, Any]:
    """Where beat keeps its schedule and lock: the same primary, found the same way."""
    address = sentinel_address(stores.effective_redis_url)
    if address is None:
        return {"redbeat_redis_url": stores.effective_redis_url}
    options = {
        "sentinels": list(address.nodes),
        "service_name": stores.redis_master,
        "db": address.db,
        "password": address.password,
        "username": address.username,
        "socket_timeout": 5.0,
        # Rides out a failover instead of crashing beat; shorter than the lock's 30 s.
        "retry_period": 10,
    }
    return {"redbeat_redis_url": "redis-sentinel://", "redbeat_redis_options": options}


def celery_config(settings: Settings) -> dict[str, Any]:
    transport = {
        # One visibility timeout everywhere: how long an unacked message waits before redelivery.
        "visibility_timeout": settings.pipeline.visibility_timeout_s,
        "health_check_interval": 10,
        **sentinel_options(settings.stores),
    }
    return {
        "broker_url": settings.stores.effective_redis_url,
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "result_backend": None,
        "task_ignore_result": True,  # outputs go to Redis staging and SQL, not the result backend
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        "worker_max_memory_per_child": 250_000,  # KiB: recycle a child before it nears 300 MB
        "task_queues": queues.QUEUES,
        "task_routes": queues.ROUTES,
        "task_default_queue": queues.queue_name(queues.MONITOR),
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_time_limit": settings.pipeline.visibility_timeout_s
        - 5,  # finish or die before redelivery
        "worker_hijack_root_logger": False,
        "worker_consumer": "workers.consumer:DeadLetteringConsumer",
        "worker_send_task_events": False,
        "beat_schedule": beat.schedule(settings),
        # redbeat keeps the schedule in Redis behind a lock: a second beat waits instead of
        # running the same slots twice.
        "beat_scheduler": "redbeat.RedBeatScheduler",
        **redbeat_options(settings.stores),
        "redbeat_key_prefix": "escucha:redbeat",
        "beat_max_loop_interval": 5,  # beat renews its lock at least this often...
        "redbeat_lock_timeout": 30,  # ...so a standby beat takes over within 30 s of a crash
        "timezone": "UTC",
    }
