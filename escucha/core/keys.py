"""Every Redis key escucha writes, in one place, so the layout can be read at a glance.

Keys that hold one tenant's data name the tenant (events, channel, poll cursors, simhash
buckets) or hold ids that begin with it (staged records, ledger, deletions, dead letters):
erasing a tenant, or limiting it, starts from this list.
"""

from __future__ import annotations

PREFIX = "escucha"
LEDGER = f"{PREFIX}:ledger"  # sorted set: mention id → accepted time, until stored or dead-lettered
LEDGER_SWEEPS = f"{PREFIX}:ledger:sweeps"  # hash: mention id → times re-published by the sweeper
LEDGER_TENANTS = f"{PREFIX}:ledger:tenants"  # hash: tenant → its mentions in the ledger
STATS = f"{PREFIX}:stats"  # hash of counters: accepted, stored, dead_lettered, redelivered, ...
REPLICATED = f"{PREFIX}:replicated"  # counter, bumped after each accepted batch (WAIT probe)


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


DELETED = f"{PREFIX}:deleted"  # sorted set: mention id → time a platform said it was deleted
CHANNELS = f"{PREFIX}:channels"  # set of 'tenant:channel' names with health records
ENDPOINT = "*"  # the tenant of a shared endpoint's own record (signatures, unmapped accounts)


def events(tenant: str) -> str:
    """One tenant's stream for downstream consumers: mention.deleted, channel.silent."""
    return f"{PREFIX}:events:{tenant}"


def event_once(tenant: str, key: str) -> str:
    """Marks an event published under `key` (an SLA moment), so it is never published twice."""
    return f"{PREFIX}:event-once:{tenant}:{key}"


def care_eta(case_id: str, moment: float) -> str:
    """Marks a case's clock moment as scheduled, so it gets one ETA task however often touched."""
    return f"{PREFIX}:care-eta:{case_id}:{moment:.0f}"


def channel(tenant: str, name: str) -> str:
    """Hash of one tenant's channel health: last event, errors, last failure."""
    return f"{PREFIX}:channel:{tenant}:{name}"


def signature_seen(channel: str, digest: str) -> str:
    return f"{PREFIX}:signature:{channel}:{digest}"


def rate_window(source: str, window: int) -> str:
    return f"{PREFIX}:rate:{source}:{window}"


def poll_cursor(tenant: str, poller: str) -> str:
    """Hash of one poller's cursor: since_id, ETag, Last-Modified, back-off."""
    return f"{PREFIX}:cursor:{tenant}:{poller}"


def poll_slot(tenant: str, poller: str) -> str:
    """Set while a poller's current interval has been handed out; its expiry makes it due."""
    return f"{poll_cursor(tenant, poller)}:slot"


def poll_seen(tenant: str, poller: str) -> str:
    """Set of item ids a poller has already taken (feeds without a usable cursor)."""
    return f"{poll_cursor(tenant, poller)}:seen"


def agent_presence(tenant: str) -> str:
    """Hash of one tenant's agents: agent id → the time of their last heartbeat."""
    return f"{PREFIX}:presence:{tenant}"


def simhash_band(tenant: str, band: int, value: int) -> str:
    """One tenant's near-duplicate bucket: the mentions whose print has this band value."""
    return f"{PREFIX}:simhash:{tenant}:{band}:{value:04x}"


# Pipeline-wide figures for /metrics: counts and timings, no tenant data.
def metrics_batch_seconds(stage: str) -> str:
    return f"{PREFIX}:metrics:batch_seconds:{stage}"


METRICS_ACCEPTED_TO_STORED = f"{PREFIX}:metrics:accepted_to_stored"


def metrics_done(stage: str) -> str:
    return f"{PREFIX}:metrics:done:{stage}"


def alert_cursor(tenant: str) -> str:
    """The last event of the tenant's stream relayed to its alert destinations."""
    return f"{PREFIX}:alert-cursor:{tenant}"


def crisis_lock(tenant: str) -> str:
    """Held while one process checks the tenant for a crisis: checks never overlap."""
    return f"{PREFIX}:crisis-lock:{tenant}"


ALERT_LOCK = f"{PREFIX}:alert-lock"  # held while one process fans out, climbs and relays


def crm_sender(tenant: str, account: str) -> str:
    """Held while one process sends a tenant's writes to one CRM account."""
    return f"{PREFIX}:crm-sender:{tenant}:{account}"


def crm_budget(account: str) -> str:
    """Sorted set of a HubSpot portal's spent rate-limit tokens, each scored with the time it
    comes back; every worker writing to the portal draws on it (`channels.crm.rate_budget`)."""
    return f"{PREFIX}:crm-budget:{account}"
