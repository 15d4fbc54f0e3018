"""The Celery app: `celery -A workers.app worker -Q escucha.normalize,...`."""

from __future__ import annotations

from celery import Celery
from celery.signals import worker_init, worker_process_init, worker_ready

from config.celery import celery_config
from config.settings import get_settings
from escucha.core.logs import configure as configure_logs
from escucha.core.logs import get_logger
from escucha.nlp import registry
from escucha.ops.runtime import tune_gc

app = Celery(
    "escucha",
    task_cls="workers.guarded_task:GuardedTask",
    include=[
        "tasks.normalize",
        "tasks.analyze",
        "tasks.triage",
        "tasks.persist",
        "tasks.fused",
        "tasks.delete",
        "tasks.monitor",
        "tasks.poll",
        "tasks.reply",
        "tasks.care",
        "tasks.crisis",
        "tasks.alert",
        "tasks.crm",
        "tasks.report",
        "tasks.naive",
        *get_settings().ops.extra_task_modules,
    ],
)
app.config_from_object(celery_config(get_settings()))
configure_logs(get_settings().ops.log_format, get_settings().ops.log_level)

import workers.metrics_server  # noqa: E402, F401  (connects the worker_ready signal)


@worker_process_init.connect
def _tune_child(**_: object) -> None:
    tune_gc()


@worker_init.connect
def _tune_main(**_: object) -> None:
    tune_gc()


@worker_ready.connect
def _say_which_model(**_: object) -> None:
    settings = get_settings()
    model = registry.choose(settings.analysis.models_dir, settings.analysis.model_version)
    get_logger("escucha.worker").info(
        "analysis model", model=model.describe(), version=model.version, origin=model.origin
    )
