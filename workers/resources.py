"""What a worker process builds once and reuses: connections, the store, the analyzer.

Built lazily in each child, after the prefork, so no socket is shared across processes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

import httpx
from celery import Celery
from kombu.exceptions import OperationalError

from config.settings import get_settings
from escucha.care.casebook import Casebook, on_redis
from escucha.channels.health import ChannelHealth
from escucha.core.sealed import installation_sealer
from escucha.insight.alerting import Alerting
from escucha.insight.watch import Watch
from escucha.nlp import registry
from escucha.nlp.analyzer import Analyzer
from escucha.pipeline import events
from escucha.pipeline.context import Dispatch, DispatchError, PipelineContext, connect_with
from escucha.pipeline.stages import task_name
from escucha.store.alert_outbox import AlertOutbox
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.crm_outbox import CrmOutbox
from escucha.store.incidents import Incidents
from escucha.store.outbox import Outbox
from escucha.store.queries import MentionFilter, StoredMention, find_mentions
from escucha.store.rollups import Rollups
from escucha.store.store import Store
from escucha.store.tenant_directory import TenantDirectory
from escucha.store.tenants import Tenants
from workers.app import app


def dispatch_with(sender: Celery) -> Dispatch:
    """Hand batches to stages through `sender`'s broker, by task name (routed by config),
    so no stage imports another."""

    def dispatch(stage: str, batch_id: str, ids: list[str]) -> None:
        try:
            sender.send_task(task_name(stage), args=[batch_id, ids])
        except OperationalError as error:
            raise DispatchError(str(error)) from error

    return dispatch


dispatch = dispatch_with(app)


@cache
def context() -> PipelineContext:
    return connect_with(get_settings(), dispatch)


@cache
def store() -> Store:
    return Store.from_url(get_settings().stores.effective_database_url)


@cache
def analyzer() -> Analyzer:
    settings = get_settings()
    return Analyzer(registry.load(settings.analysis.models_dir, settings.analysis.model_version))


@cache
def tenants() -> TenantDirectory:
    """Each mention's tenant, from the table; a change is seen within tenant_cache_s."""
    return TenantDirectory(Tenants(store().engine), get_settings().pipeline.tenant_cache_s)


@cache
def channel_health() -> ChannelHealth:
    return ChannelHealth(context().redis, get_settings().channels.channel_expected_interval_s)


@cache
def http_client() -> httpx.Client:
    """One pooled client per worker child, for pollers."""
    return httpx.Client(
        timeout=httpx.Timeout(20.0, connect=5.0),
        follow_redirects=True,
        headers={"User-Agent": "escucha (+https://github.com/escucha)"},
    )


@cache
def outbox() -> Outbox:
    lease = timedelta(seconds=get_settings().channels.outbox_lease_s)
    return Outbox(store().engine, lease)


@cache
def crm_outbox() -> CrmOutbox:
    return CrmOutbox(store().engine, timedelta(seconds=get_settings().channels.crm_lease_s))


@cache
def casebook() -> Casebook:
    return on_redis(store().engine, tenants().get, context().redis)


@cache
def channel_credentials() -> ChannelCredentials:
    return ChannelCredentials(store().engine, installation_sealer(get_settings().stores))


@cache
def alerting() -> Alerting:
    settings = get_settings()
    outbox = AlertOutbox(store().engine, timedelta(seconds=settings.crisis.alert_lease_s))
    return Alerting(outbox, Incidents(store().engine), installation_sealer(settings.stores),
                    tenants().get, settings.crisis.public_url,
                    settings.crisis.alert_internal_hosts)  # fmt: skip


@cache
def crisis_watch() -> Watch:
    def mentions(tenant: str, since: datetime, until: datetime) -> list[StoredMention]:
        return find_mentions(store(), tenant, MentionFilter(since=since, until=until, limit=500))

    def publish(tenant: str, kind: str, fields: dict[str, str]) -> None:
        events.publish(context().redis, tenant, kind, **fields)

    return Watch(Rollups(store().engine), Incidents(store().engine), mentions, publish)
