"""Every Redis key escucha writes, in one place, so the layout can be read at a glance."""

from __future__ import annotations

PREFIX = "escucha"
LEDGER = f"{PREFIX}:ledger"  # sorted set: mention id → accepted time, until stored or dead-lettered
LEDGER_SWEEPS = f"{PREFIX}:ledger:sweeps"  # hash: mention id → times re-published by the sweeper
STATS = f"{PREFIX}:stats"  # hash of counters: accepted, stored, dead_lettered, redelivered, ...


def staged(kind: str, mention_id: str) -> str:
    """A stage's input record for one mention (claim check)."""
    return f"{PREFIX}:staged:{kind}:{mention_id}"


def deliveries(stage: str, batch_id: str) -> str:
    return f"{PREFIX}:deliveries:{stage}:{batch_id}"


def dead_letters(stage: str) -> str:
    return f"{PREFIX}:dlq:{stage}"


DEAD_LETTER_PATTERN = f"{PREFIX}:dlq:*"


def as_text(value: bytes | str) -> str:
    """Redis answers bytes unless a client decodes; escucha's own values are UTF-8."""
    return value.decode() if isinstance(value, bytes) else value
