"""What every request handler shares, built once when the app starts."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from config.settings import Settings
from escucha.care.casebook import Casebook, on_redis
from escucha.channels.health import ChannelHealth
from escucha.channels.seen_signatures import SeenSignatures
from escucha.core.sealed import installation_sealer
from escucha.insight.alerting import Alerting
from escucha.pipeline.context import Dispatch, PipelineContext, connect_with
from escucha.store.agents import Agents
from escucha.store.alert_outbox import AlertOutbox
from escucha.store.api_keys import ApiKeys
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.contacts import Contacts
from escucha.store.crm_outbox import Conversions
from escucha.store.incidents import Incidents
from escucha.store.outbox import Outbox
from escucha.store.store import Store
from escucha.store.tenant_directory import TenantDirectory
from escucha.store.tenants import Tenants
from escucha.store.web_logins import Logins, WebSessions
from escucha.web.key_cache import KeyCache
from escucha.web.rate_limit import RateLimiter


@dataclass(frozen=True)
class ApiState:
    settings: Settings
    ctx: PipelineContext
    store: Store
    seen: SeenSignatures
    health: ChannelHealth
    limiter: RateLimiter
    keys: KeyCache
    tenants: TenantDirectory
    outbox: Outbox
    agents: Agents
    channels: ChannelCredentials
    casebook: Casebook
    incidents: Incidents
    alerting: Alerting
    contacts: Contacts
    conversions: Conversions
    logins: Logins
    web_sessions: WebSessions

    @classmethod
    def build(cls, settings: Settings, dispatch: Dispatch) -> ApiState:
        # Short socket timeouts: a producer should get a quick 503, not hang, when Redis is away.
        ctx = connect_with(settings, dispatch, socket_timeout_s=5.0)
        store = Store.from_url(settings.stores.effective_database_url)
        tenants = TenantDirectory(Tenants(store.engine), settings.pipeline.tenant_cache_s)
        return cls(
            settings=settings,
            ctx=ctx,
            store=store,
            seen=SeenSignatures(ctx.redis, settings.channels.replay_window_s),
            health=ChannelHealth(ctx.redis, settings.channels.channel_expected_interval_s),
            limiter=RateLimiter(ctx.redis, settings.api.rate_limit_per_minute),
            keys=KeyCache(ApiKeys(store.engine), settings.api.api_key_cache_s),
            tenants=tenants,
            outbox=Outbox(store.engine),
            agents=Agents(store.engine),
            channels=ChannelCredentials(store.engine),  # lists channels; never opens a token
            casebook=on_redis(store.engine, tenants.get, ctx.redis),
            incidents=Incidents(store.engine),
            contacts=Contacts(store.engine),
            conversions=Conversions(store.engine),
            logins=Logins(store.engine),
            web_sessions=WebSessions(store.engine),
            # Seals destinations' secrets as they are added; opens them only for a test alert.
            alerting=Alerting(
                AlertOutbox(store.engine),
                Incidents(store.engine),
                installation_sealer(settings.stores),
                tenants.get,
                settings.crisis.public_url,
                settings.crisis.alert_internal_hosts,
            ),
        )

    def tenant_for(self, account: str) -> str | None:
        """The tenant that owns a channel account; None when none does (its events are refused)."""
        return self.tenants.owner(account)

    def in_flight_limit(self, tenant: str) -> int | None:
        return self.tenants.get(tenant).limits.in_flight

    def request_limit(self, tenant: str) -> int:
        own = self.tenants.get(tenant).limits.requests_per_minute
        return own or self.settings.api.rate_limit_per_minute


def get_state(request: Request) -> ApiState:
    state: ApiState = request.app.state.escucha
    return state
