"""Settings: sections read from the environment, flat overrides, nothing edited in place."""

import pytest
from pydantic import ValidationError

from config.settings import SECTION_OF, SECTIONS, Settings


def test_each_variable_keeps_its_flat_name_and_lands_in_its_section(monkeypatch):
    monkeypatch.setenv("ESCUCHA_BATCH_SIZE", "77")
    monkeypatch.setenv("REDIS_URL", "redis://broker.example:6379/0")
    monkeypatch.setenv("ESCUCHA_RATE_LIMIT_PER_MINUTE", "12")
    settings = Settings()
    assert settings.pipeline.batch_size == 77
    assert settings.stores.effective_redis_url == "redis://broker.example:6379/0"
    assert settings.api.rate_limit_per_minute == 12


def test_a_flat_override_changes_that_setting_only(monkeypatch):
    monkeypatch.setenv("ESCUCHA_MAX_SWEEPS", "9")
    settings = Settings(batch_size=5, database_url="sqlite:///x.db")
    assert settings.pipeline.batch_size == 5 and settings.pipeline.max_sweeps == 9
    assert settings.stores.effective_database_url == "sqlite:///x.db"
    pointed = settings.with_redis("redis://127.0.0.1:7000/0")
    assert pointed.stores.redis_url == "redis://127.0.0.1:7000/0"
    assert settings.stores.redis_url != pointed.stores.redis_url  # a copy; the original stays
    assert pointed.pipeline == settings.pipeline


def test_unknown_or_invalid_settings_are_refused_by_name():
    with pytest.raises(ValidationError, match="no such setting: tenant_file"):
        Settings(tenant_file="t.toml")
    with pytest.raises(ValidationError, match="batch_size"):
        Settings(batch_size=0)
    # A name in two sections would be routed to one and silently ignored by the other.
    assert sum(len(kind.model_fields) for kind in SECTIONS.values()) == len(SECTION_OF)
