"""Celery configuration, derived from Settings so the broker and the code agree on one timeout."""

from __future__ import annotations

from typing import Any

from config.settings import Settings
from workers import beat, queues


def celery_config(settings: Settings) -> dict[str, Any]:
    transport = {
        # One visibility timeout everywhere: how long an unacked message waits before redelivery.
        "visibility_timeout": settings.pipeline.visibility_timeout_s,
        "health_check_interval": 10,
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
        "redbeat_redis_url": settings.stores.effective_redis_url,
        "redbeat_key_prefix": "escucha:redbeat",
        "beat_max_loop_interval": 5,  # beat renews its lock at least this often...
        "redbeat_lock_timeout": 30,  # ...so a standby beat takes over within 30 s of a crash
        "timezone": "UTC",
    }
