"""Agents' presence: each agent's last heartbeat, in one Redis hash per tenant."""

from __future__ import annotations

from datetime import UTC, datetime

import redis

from escucha.core import keys


def beat(client: redis.Redis, tenant: str, agent: str, at: datetime) -> None:
    client.hset(keys.agent_presence(tenant), agent, at.timestamp())


def last_seen(client: redis.Redis, tenant: str) -> dict[str, datetime]:
    """Agent id → their last heartbeat."""
    beats = client.hgetall(keys.agent_presence(tenant))
    return {keys.as_text(a): datetime.fromtimestamp(float(t), UTC) for a, t in beats.items()}
