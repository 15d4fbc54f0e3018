"""What a tenant asks escucha to poll, and how often (from the tenant TOML file)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Name = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")


class FeedPoll(BaseModel):
    """An RSS or Atom feed: blog posts, or a comment feed such as WordPress's /comments/feed/."""

    kind: Literal["feed"] = "feed"
    name: str = Name
    url: str
    source: str = "blog"
    interval_s: float = Field(default=300.0, ge=1)


class MastodonPoll(BaseModel):
    """A hashtag, account or search timeline on one Mastodon instance."""

    kind: Literal["mastodon"] = "mastodon"
    name: str = Name
    instance: str = Field(description="base URL, e.g. https://mastodon.social")
    timeline: Literal["tag", "account", "search"] = "tag"
    value: str = Field(description="hashtag (no #), account id, or search query")
    access_token: str | None = None
    interval_s: float = Field(default=120.0, ge=1)


class XSearchPoll(BaseModel):
    """An X API v2 recent-search query (the bearer token and API URL come from settings)."""

    kind: Literal["x_search"] = "x_search"
    name: str = Name
    query: str
    max_pages: int = Field(default=5, ge=1, le=50)
    interval_s: float = Field(default=60.0, ge=1)


Poll = FeedPoll | MastodonPoll | XSearchPoll


def channel_name(poll: Poll) -> str:
    """The channel-health name of a poller, e.g. 'feed:blog-comments'."""
    return f"{poll.kind}:{poll.name}"
