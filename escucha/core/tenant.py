"""Who escucha listens for: brand names, keywords and competitors of one business."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, Field

from escucha.core.poller_config import FeedPoll, MastodonPoll, Poll, XSearchPoll, channel_name


class Tenant(BaseModel):
    id: str = "default"
    name: str = ""
    timezone: str = "UTC"
    languages: list[str] = ["es", "en"]
    brands: list[str] = []
    keywords: list[str] = []
    competitors: list[str] = []
    influencer_followers: int = Field(default=10_000, ge=0)
    feeds: list[FeedPoll] = []
    mastodon: list[MastodonPoll] = []
    x_searches: list[XSearchPoll] = []

    def pollers(self) -> list[Poll]:
        return [*self.feeds, *self.mastodon, *self.x_searches]

    def poller(self, name: str) -> Poll:
        """The poller whose channel name ('feed:blog') is `name`."""
        for poll in self.pollers():
            if channel_name(poll) == name:
                return poll
        raise KeyError(f"tenant {self.id!r} has no poller {name!r}")


def load_tenant(path: Path) -> Tenant:
    """Read a tenant TOML file (see config/tenant.example.toml)."""
    with path.open("rb") as handle:
        return Tenant.model_validate(tomllib.load(handle).get("tenant", {}))
