"""Settings read from the environment and `.env`, apart from the code that uses them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG_DIR = Path(__file__).resolve().parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ESCUCHA_", env_file=".env", extra="ignore", populate_by_name=True
    )

    redis_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_URL", "ESCUCHA_REDIS_URL"),
        description="Broker and staging store; unset means escucha starts a private redis-server.",
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "ESCUCHA_DATABASE_URL"),
        description="SQLAlchemy URL of the system of record; unset means SQLite under data_dir.",
    )
    data_dir: Path = Path(".escucha")
    tenant_file: Path = CONFIG_DIR / "tenant.example.toml"
    models_dir: Path = CONFIG_DIR.parent / "models"
    model_version: str = "latest"

    batch_size: int = Field(default=250, ge=1, le=5000)
    visibility_timeout_s: int = Field(default=300, ge=5)
    max_deliveries: int = Field(default=3, ge=1)
    stage_ttl_s: int = Field(default=7 * 24 * 3600, ge=60)
    ledger_deadline_s: int = Field(default=600, ge=5)
    sweep_interval_s: float = Field(default=30.0, gt=0)
    max_sweeps: int = Field(default=5, ge=1)
    log_format: str = Field(default="console", pattern="^(console|json)$")
    log_level: str = "INFO"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "escucha.db"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.sqlite_path.resolve()}"

    @property
    def effective_redis_url(self) -> str:
        return self.redis_url or "redis://127.0.0.1:6379/0"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
