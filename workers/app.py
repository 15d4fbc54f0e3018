"""The Celery app: `celery -A workers.app worker -Q escucha.normalize,...`."""

from __future__ import annotations

from celery import Celery
from celery.signals import worker_init, worker_process_init

from config.celery import celery_config
from config.settings import get_settings
from escucha.logs import configure as configure_logs
from escucha.runtime import tune_gc

app = Celery(
    "escucha",
    task_cls="workers.guarded_task:GuardedTask",
    include=[
        "tasks.normalize",
        "tasks.analyze",
        "tasks.triage",
        "tasks.persist",
        "tasks.delete",
        "tasks.monitor",
        "tasks.poll",
        "tasks.naive",
        *get_settings().extra_task_modules,
    ],
)
app.config_from_object(celery_config(get_settings()))
configure_logs(get_settings().log_format, get_settings().log_level)

import workers.metrics_server  # noqa: E402, F401  (connects the worker_ready signal)


@worker_process_init.connect
def _tune_child(**_: object) -> None:
    tune_gc()


@worker_init.connect
def _tune_main(**_: object) -> None:
    tune_gc()
