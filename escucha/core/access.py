"""API keys and what their roles may do.

A key reads `esk_<id>_<secret>`: the id finds its record, and only the SHA-256 of the secret
is stored (the secret is 32 random bytes, so a slow hash would add nothing but latency). The
key is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from enum import StrEnum

PREFIX = "esk"
_KEY = re.compile(rf"^{PREFIX}_([a-z0-9]{{12}})_([A-Za-z0-9_-]{{43}})$")


class Role(StrEnum):
    ingest = "ingest"  # pushes mentions, nothing else
    read = "read"  # reads mentions, channels and events
    agent = "agent"  # reads, and works cases (the care endpoints)
    admin = "admin"  # everything


class Need(StrEnum):
    ingest = "ingest"
    read = "read"
    care = "care"
    admin = "admin"


GRANTS = {
    Role.ingest: frozenset({Need.ingest}),
    Role.read: frozenset({Need.read}),
    Role.agent: frozenset({Need.read, Need.care}),
    Role.admin: frozenset(Need),
}


def permits(role: Role, need: Need) -> bool:
    return need in GRANTS[role]


def new_key() -> tuple[str, str]:
    """A fresh key's id, and the whole key to hand over once."""
    key_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
    return key_id, f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"


def parse(key: str) -> tuple[str, str] | None:
    """(id, secret) of a well-formed key; None otherwise."""
    match = _KEY.match(key)
    return (match[1], match[2]) if match else None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
