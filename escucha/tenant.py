"""Who escucha listens for: brand names, keywords and competitors of one business."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, Field


class Tenant(BaseModel):
    id: str = "default"
    name: str = ""
    timezone: str = "UTC"
    languages: list[str] = ["es", "en"]
    brands: list[str] = []
    keywords: list[str] = []
    competitors: list[str] = []
    influencer_followers: int = Field(default=10_000, ge=0)


def load_tenant(path: Path) -> Tenant:
    """Read a tenant TOML file (see config/tenant.example.toml)."""
    with path.open("rb") as handle:
        return Tenant.model_validate(tomllib.load(handle).get("tenant", {}))
