"""Settings read from the environment and `.env`, apart from the code that uses them.

Grouped in sections, one per part of escucha that reads them (`settings.pipeline.batch_size`,
`settings.api.rate_limit_per_minute`). Each variable keeps its flat name (`ESCUCHA_BATCH_SIZE`),
so a deployment's environment reads as the README's table. Read once at start (`get_settings`
in the entry points) and passed down; nothing reads them at import.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG_DIR = Path(__file__).resolve().parent


class Section(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ESCUCHA_", env_file=".env", extra="ignore", populate_by_name=True, frozen=True
    )


class Stores(Section):
    """Where escucha keeps things: Redis (broker and staging), SQL, files."""

    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL", "ESCUCHA_REDIS_URL"),
        description="Broker and staging store; unset means escucha starts a private redis-server. "
        "Redis Sentinel: one sentinel://host:port per sentinel, joined by ';'",
    )
    redis_master: str = Field(
        default="mymaster", description="the service the sentinels watch (with sentinel://)"
    )
    redis_ack_replicas: int | None = Field(
        default=None,
        ge=0,
        description="replicas an accepted batch must reach before ingest answers (WAIT); "
        "unset: 1 with Sentinel, else 0",
    )
    redis_ack_timeout_ms: int = Field(
        default=2000, ge=1, description="how long ingest waits for them before answering 503"
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "ESCUCHA_DATABASE_URL"),
        description="SQLAlchemy URL of the system of record; unset means SQLite under data_dir.",
    )
    data_dir: Path = Path(".escucha")
    redis_maxmemory_mb: int = Field(
        default=0,
        ge=0,
        description="the private redis-server's maxmemory; 0: a quarter of RAM, at most 4 GiB",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="seals platform tokens at rest (Fernet); unset: a key file under data_dir",
    )
    previous_secret_keys: list[SecretStr] = Field(
        default_factory=list, description="older keys, still opening what they sealed"
    )

    @property
    def secret_key_file(self) -> Path:
        return self.data_dir / "secret.key"

    @property
    def dead_letter_dir(self) -> Path:
        return self.data_dir / "dead-letters"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "escucha.db"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path.resolve()}"

    @property
    def effective_redis_url(self) -> str:
        return self.redis_url or "redis://127.0.0.1:6379/0"

    @property
    def uses_sentinel(self) -> bool:
        return self.effective_redis_url.startswith("sentinel://")

    @property
    def effective_ack_replicas(self) -> int:
        # With Sentinel a replica may be promoted at any moment: it must already hold whatever
        # ingest acknowledged. A single server's own append-only file is its only copy.
        if self.redis_ack_replicas is not None:
            return self.redis_ack_replicas
        return 1 if self.uses_sentinel else 0


class Analysis(Section):
    models_dir: Path = CONFIG_DIR.parent / "models"
    model_version: str = "latest"


class Pipeline(Section):
    """How mentions move: batches, redelivery, the ledger, dead letters, backpressure."""

    # Mentions per stage message. In `escucha bench` on 2 cores (30,000 mentions): 250 gave
    # 1,944-2,256/s, 500 gave 2,339, 1,000 gave 2,470-2,535, and 2,000 fell back to 1,905 as
    # children neared their memory cap. Paced producers send smaller batches anyway.
    batch_size: int = Field(default=1000, ge=1, le=5000)
    topology: Literal["split", "fused"] = Field(
        default="fused",
        description="fused: normalize, analyze and triage in one task (one host); split: a queue "
        "each, scaled apart (escucha/pipeline/stages.py)",
    )
    visibility_timeout_s: int = Field(default=300, ge=5)
    max_deliveries: int = Field(default=3, ge=1)
    stage_ttl_s: int = Field(default=7 * 24 * 3600, ge=60)
    ledger_deadline_s: int = Field(default=600, ge=5)
    sweep_interval_s: float = Field(default=30.0, gt=0)
    max_sweeps: int = Field(default=5, ge=1)
    max_dead_letters: int = Field(
        default=10_000, ge=10, description="per list; older letters move to data_dir/dead-letters"
    )
    ingest_high_water: int = Field(
        default=100_000, ge=1, description="mentions in flight past which ingest slows down"
    )
    tenant_cache_s: float = Field(
        default=5.0, ge=0, description="how long a process trusts its copy of the tenants table"
    )


class Channels(Section):
    """The platforms: webhook secrets, pollers, and what counts as a silent channel."""

    meta_app_secret: str | None = None
    meta_verify_token: str | None = None
    x_consumer_secret: str | None = None
    x_client_secret: str | None = Field(
        default=None, description="X OAuth 2.0 client secret (X-Twitter-Webhooks-Signature-OAuth2)"
    )
    mastodon_webhook_secret: str | None = None
    hubspot_api_url: str = Field(
        default="https://api.hubapi.com", description="where CRM writes to HubSpot go"
    )
    crm_tick_s: float = Field(default=15.0, gt=0, description="how often beat syncs CRMs")
    crm_lease_s: float = Field(
        default=120.0, gt=0, description="a CRM batch 'sending' longer than this was cut off"
    )
    hubspot_client_secret: str | None = Field(
        default=None, description="the HubSpot app's client secret (X-HubSpot-Signature-v3)"
    )
    mastodon_webhook_secrets: dict[str, str] = Field(
        default_factory=dict,
        description="instance host → secret, for /webhooks/mastodon/<host> (one per instance)",
    )
    mastodon_instance: str = Field(
        default="mastodon.social",
        description="the instance a Mastodon webhook comes from when its body does not say",
    )
    replay_window_s: int = Field(default=7 * 24 * 3600, ge=60)
    x_api_url: str = "https://api.x.com"
    x_bearer_token: str | None = None
    meta_graph_url: str = Field(
        default="https://graph.facebook.com", description="where replies to Meta go"
    )
    outbox_tick_s: float = Field(default=15.0, gt=0, description="how often beat sends due replies")
    outbox_lease_s: float = Field(
        default=300.0, gt=0, description="a reply 'sending' longer than this was cut off"
    )
    channel_expected_interval_s: dict[str, float] = Field(
        default_factory=dict, description="silence longer than this is a health event"
    )
    poll_tick_s: float = Field(
        default=5.0, gt=0, description="how often beat looks for pollers that are due"
    )


class Care(Section):
    """Cases and their clocks."""

    care_tick_s: float = Field(
        default=20.0, gt=0, description="how often beat re-projects cases whose moment has come"
    )
    care_eta_horizon_s: float = Field(
        default=600.0,
        ge=0,
        description="a clock moment this near is also scheduled as its own ETA task",
    )


class Crisis(Section):
    """Watching for crises and alerting people."""

    crisis_tick_s: float = Field(
        default=60.0, gt=0, description="how often beat checks each active tenant for a crisis"
    )
    alert_tick_s: float = Field(
        default=10.0, gt=0, description="how often beat turns incidents and events into alerts"
    )
    alert_lease_s: float = Field(
        default=120.0, gt=0, description="an alert sender cut off this long ago is retried"
    )
    alert_internal_hosts: bool = Field(
        default=False,
        description="let alert destinations point at loopback or private addresses (tests, a "
        "chat server on the LAN); off, a tenant cannot make escucha call internal services",
    )
    public_url: str | None = Field(
        default=None, description="where people open escucha (alerts link to it), e.g. "
        "https://escucha.example.com",
    )  # fmt: skip


class Report(Section):
    """The weekly report by e-mail: the installation's mail server and how often beat looks."""

    report_from: str | None = Field(
        default=None, description='the From of report e-mails, e.g. "escucha <informes@x.es>"'
    )
    report_smtp_host: str | None = Field(
        default=None, description="the SMTP server reports go through; unset sends none"
    )
    report_smtp_port: int = Field(default=587, ge=1, le=65535)
    report_smtp_user: str | None = None
    report_smtp_password: SecretStr | None = Field(
        default=None, description="sent only after STARTTLS; never stored with a report"
    )
    report_smtp_starttls: bool = True
    report_tick_s: float = Field(
        default=300.0, gt=0, description="how often beat looks for weekly reports that are due"
    )

    @model_validator(mode="after")
    def _one_server(self) -> Report:
        if self.report_smtp_host and not self.report_from:
            raise ValueError("ESCUCHA_REPORT_SMTP_HOST needs ESCUCHA_REPORT_FROM")
        if (self.report_smtp_user is None) != (self.report_smtp_password is None):
            raise ValueError("give both ESCUCHA_REPORT_SMTP_USER and _PASSWORD, or neither")
        if self.report_smtp_user is not None and not self.report_smtp_starttls:
            raise ValueError("a login needs ESCUCHA_REPORT_SMTP_STARTTLS: never in clear")
        return self


class Api(Section):
    """The HTTP service: keys, body size, request rates."""

    api_keys: dict[str, str] = Field(
        default_factory=dict,
        description='bootstrap keys for the demo and tests, key → tenant, e.g. {"s3cret": '
        '"default"}, with the admin role; real keys come from `escucha key create`',
    )
    api_key_cache_s: float = Field(
        default=5.0, ge=0, description="how long the API trusts a key record; revoking takes this"
    )
    max_body_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    rate_limit_per_minute: int = Field(default=60_000, ge=1, description="requests per source")
    unverified_rate_limit_per_minute: int = Field(
        default=60,
        ge=1,
        description="per client address: unsigned or wrongly signed webhooks, unknown API keys, "
        "X challenges; counted apart, so they never spend a platform's budget",
    )


class Ops(Section):
    """Running it: metrics, logs, plug-ins."""

    metrics_port: int | None = Field(
        default=None, description="a worker serves Prometheus /metrics here when set"
    )
    metrics_host: str = "127.0.0.1"
    extra_task_modules: list[str] = Field(
        default_factory=list, description="more task modules for workers to load (plug-ins)"
    )
    log_format: str = Field(default="console", pattern="^(console|json)$")
    log_level: str = "INFO"


SECTIONS: dict[str, type[Section]] = {
    "stores": Stores, "analysis": Analysis, "pipeline": Pipeline, "channels": Channels,
    "care": Care, "crisis": Crisis, "report": Report, "api": Api, "ops": Ops,
}  # fmt: skip
SECTION_OF = {name: section for section, kind in SECTIONS.items() for name in kind.model_fields}


class Settings(BaseModel):
    """Every section, each read from the environment; flat keyword arguments are routed to
    their section, so `Settings(redis_url=..., batch_size=50)` overrides just those."""

    model_config = ConfigDict(frozen=True)

    stores: Stores = Field(default_factory=Stores)
    analysis: Analysis = Field(default_factory=Analysis)
    pipeline: Pipeline = Field(default_factory=Pipeline)
    channels: Channels = Field(default_factory=Channels)
    care: Care = Field(default_factory=Care)
    crisis: Crisis = Field(default_factory=Crisis)
    report: Report = Field(default_factory=Report)
    api: Api = Field(default_factory=Api)
    ops: Ops = Field(default_factory=Ops)

    @model_validator(mode="before")
    @classmethod
    def _sections(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        unknown = set(data) - set(SECTION_OF) - set(SECTIONS)
        if unknown:
            raise ValueError(f"no such setting: {', '.join(sorted(unknown))}")
        routed: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
        for key, value in data.items():
            if key not in SECTIONS:
                routed[SECTION_OF[key]][key] = value
        return {
            name: data[name] if name in data else kind(**routed[name])
            for name, kind in SECTIONS.items()
        }

    def with_redis(self, url: str) -> Settings:
        """These settings pointed at the Redis at `url` (a private server once it is up)."""
        stores = self.stores.model_copy(update={"redis_url": url})
        return self.model_copy(update={"stores": stores})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
