"""Tables of the system of record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class MentionRow(Base):
    __tablename__ = "mentions"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)  # tenant:source:external_id
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(200))
    author_followers: Mapped[int | None] = mapped_column(Integer)
    author_id: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    stored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    url: Mapped[str | None] = mapped_column(Text)
    in_reply_to: Mapped[str | None] = mapped_column(String(240))  # source:external_id
    amplifies: Mapped[str | None] = mapped_column(String(240))  # source:external_id
    thread: Mapped[str | None] = mapped_column(String(240))  # the post a comment is under
    direct: Mapped[bool] = mapped_column(Boolean, server_default=false())  # a private message
    text: Mapped[str] = mapped_column(Text)
    clean_text: Mapped[str] = mapped_column(Text)
    handles: Mapped[list[str]] = mapped_column(JSON)
    hashtags: Mapped[list[str]] = mapped_column(JSON)
    urls: Mapped[list[str]] = mapped_column(JSON)
    lang: Mapped[str] = mapped_column(String(8))
    lang_confidence: Mapped[float] = mapped_column(Float)
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float] = mapped_column(Float)
    intent: Mapped[str] = mapped_column(String(16))
    complaint: Mapped[bool] = mapped_column(Boolean)
    offensive: Mapped[bool] = mapped_column(Boolean)
    priority: Mapped[int] = mapped_column(Integer)
    priority_label: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    case_id: Mapped[str | None] = mapped_column(String(300), index=True)
    inbound: Mapped[bool] = mapped_column(Boolean, server_default=true())
    cluster_id: Mapped[str | None] = mapped_column(String(300), index=True)
    relevant: Mapped[bool] = mapped_column(Boolean, server_default=true())
    topics: Mapped[list[str] | None] = mapped_column(JSON)  # the series it counts in

    __table_args__ = (
        Index("ix_mentions_priority", "tenant", "priority"),
        Index("ix_mentions_tenant_reply", "tenant", "in_reply_to"),  # a case's replies
        Index("ix_mentions_tenant_case", "tenant", "case_id"),
        Index("ix_mentions_tenant_author", "tenant", "source", "author_id"),  # a person's posts
    )


class CaseRow(Base):
    """A customer's open conversation with the business: the unit of care work."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    source: Mapped[str] = mapped_column(String(32))
    author: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))  # waiting_on_customer is 19
    priority: Mapped[int] = mapped_column(Integer)
    mention_count: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_mention_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The lifecycle's projection of the case's history (escucha.care.casework), never ticked.
    cycle: Mapped[int] = mapped_column(Integer, server_default="1")
    cycle_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assignee: Mapped[str | None] = mapped_column(String(64), index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    intent: Mapped[str | None] = mapped_column(String(16))
    priority_label: Mapped[str | None] = mapped_column(String(16))
    policy: Mapped[str | None] = mapped_column(String(120))  # 'standard@v1'
    sla: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)  # one entry per target
    sla_state: Mapped[str | None] = mapped_column(String(16), index=True)
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    merged_into: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_cases_status", "status"),
        Index("ix_cases_tenant_status", "tenant", "status"),
        Index("ix_cases_merged_into", "merged_into"),
    )


class CaseEventRow(Base):
    """What people and rules did to a case (status, assignment, merge), in order; append-only."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(300), index=True)
    tenant: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class TenantRow(Base):
    """A business escucha serves; `document` is its whole `Tenant`, as JSON."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    document: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class TenantAccountRow(Base):
    """A platform account ('meta:<page id>', 'x:<user id>', 'mastodon:<host>') and its one owner."""

    __tablename__ = "tenant_accounts"

    account: Mapped[str] = mapped_column(String(300), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(32), ForeignKey("tenants.id"), index=True)


class ChannelCredentialRow(Base):
    """A tenant's connected platform account: its token sealed (encrypted), never in clear."""

    __tablename__ = "channel_credentials"

    account: Mapped[str] = mapped_column(String(300), primary_key=True)  # 'meta:<page id>'
    tenant: Mapped[str] = mapped_column(String(32), ForeignKey("tenants.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    sealed_token: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, object]] = mapped_column(JSON)
    connected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OutboxRow(Base):
    """A reply waiting to go out, going, sent or dead; its key makes it once-only."""

    __tablename__ = "outbox"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    case_id: Mapped[str | None] = mapped_column(String(300), index=True)
    account: Mapped[str] = mapped_column(String(300))  # the channel it goes out from
    platform: Mapped[str] = mapped_column(String(16))
    in_reply_to: Mapped[str] = mapped_column(String(240))
    text: Mapped[str] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(Boolean)
    direct: Mapped[bool] = mapped_column(Boolean, server_default=false())  # in a DM conversation
    author_handle: Mapped[str | None] = mapped_column(String(320))
    # Who wrote it: "agent" (a person) or "automation" (a bot, a rule), which care figures skip.
    author: Mapped[str] = mapped_column(String(16), server_default="agent")
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending sending sent dead
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    platform_id: Mapped[str | None] = mapped_column(String(200))
    recipient_id: Mapped[str | None] = mapped_column(String(320), index=True)  # the DM's person
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AgentRow(Base):
    """A person who answers cases for a tenant: languages, capacity and shift."""

    __tablename__ = "agents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(32), ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    languages: Mapped[list[str]] = mapped_column(JSON)
    capacity: Mapped[int] = mapped_column(Integer)
    shift: Mapped[str | None] = mapped_column(String(500))  # None: the business hours
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    role: Mapped[str] = mapped_column(String(16), server_default="agent")  # agent, admin, read
    password_hash: Mapped[str | None] = mapped_column(String(200))  # Argon2id; None: no login
    failed_logins: Mapped[int] = mapped_column(Integer, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSessionRow(Base):
    """An agent logged in to the web inbox: only the token's SHA-256 is kept."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    agent_id: Mapped[str] = mapped_column(String(64), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CannedResponseRow(Base):
    """A tenant's saved reply in one language."""

    __tablename__ = "canned_responses"

    tenant: Mapped[str] = mapped_column(String(32), ForeignKey("tenants.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(3), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApiKeyRow(Base):
    """An API key: its tenant and role, and the SHA-256 of its secret (never the secret)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RollupRow(Base):
    """How many of a tenant's mentions a topic had in one bin (15 minutes, an hour, a UTC day)."""

    __tablename__ = "rollups"

    tenant: Mapped[str] = mapped_column(String(32), primary_key=True)
    topic: Mapped[str] = mapped_column(String(240), primary_key=True)
    grain: Mapped[str] = mapped_column(String(1), primary_key=True)  # q h d
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    negative: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_rollups_window", "tenant", "grain", "start"),)


class IncidentRow(Base):
    """A crisis the watch opened: what, why, how big, and where it is in its life."""

    __tablename__ = "incidents"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    topic: Mapped[str] = mapped_column(String(240))
    trigger: Mapped[str] = mapped_column(String(32))
    observed: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
    notified_excess: Mapped[float] = mapped_column(Float)
    topics: Mapped[list[str]] = mapped_column(JSON)
    triggers: Mapped[list[str]] = mapped_column(JSON)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_signal_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    first_window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(100))
    ladder_step: Mapped[int] = mapped_column(Integer, server_default="0")  # steps alerted
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IncidentUpdateRow(Base):
    """One entry in an incident's thread: opened, updated, acknowledged, escalated, closed."""

    __tablename__ = "incident_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[str] = mapped_column(String(40), index=True)
    tenant: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    change: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Alerts are made from the thread: an entry not yet turned into deliveries is pending.
    fanned_out: Mapped[bool] = mapped_column(Boolean, server_default=false())

    __table_args__ = (Index("ix_incident_updates_pending", "fanned_out"),)


class AlertDestinationRow(Base):
    """Where a tenant's alerts go: its settings sealed (they hold secrets), a public summary."""

    __tablename__ = "alert_destinations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    public: Mapped[dict[str, Any]] = mapped_column(JSON)
    sealed: Mapped[str] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, server_default="0")  # in a row
    last_error: Mapped[str | None] = mapped_column(Text)
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ux_alert_destinations_name", "tenant", "name", unique=True),)


class AlertDeliveryRow(Base):
    """One alert to one destination: pending, sending, sent or dead; its key makes it once-only."""

    __tablename__ = "alert_deliveries"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # alert id : destination id
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    destination_id: Mapped[str] = mapped_column(String(40), index=True)
    incident_id: Mapped[str | None] = mapped_column(String(40), index=True)
    event: Mapped[str] = mapped_column(String(40))
    alert: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    receipt: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ContactRow(Base):
    """A person, per tenant: their handles are identities; a merge is soft (`merged_into`)."""

    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(200))
    crm_opt_in: Mapped[bool] = mapped_column(Boolean, server_default=false())
    marketing_opt_in: Mapped[bool] = mapped_column(Boolean, server_default=false())
    merged_into: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ContactIdentityRow(Base):
    """One way to reach a person: a handle per channel, or an e-mail or phone they gave."""

    __tablename__ = "contact_identities"

    tenant: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)  # x, facebook, email, ...
    value: Mapped[str] = mapped_column(String(320), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(40), index=True)
    verified: Mapped[bool] = mapped_column(Boolean, server_default=false())
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ContactEventRow(Base):
    """What people did to a contact (merged, unmerged, consent), in order; append-only."""

    __tablename__ = "contact_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    contact_id: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class CrmOutboxRow(Base):
    """One write to a tenant's CRM (a contact upserted): pending, sending, sent or dead; its
    key (what caused it) makes it once-only, and it travels as the CRM's objectWriteTraceId."""

    __tablename__ = "crm_outbox"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    account: Mapped[str] = mapped_column(String(120))  # 'hubspot:<portal id>'
    kind: Mapped[str] = mapped_column(String(32))  # contact.upsert
    contact_id: Mapped[str] = mapped_column(String(40), index=True)
    properties: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    crm_id: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ConversionRow(Base):
    """A purchase the CRM reported (a deal won), once per CRM event, with the contact it was."""

    __tablename__ = "conversions"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # 'hubspot:<portal>:<event>'
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    deal_id: Mapped[str] = mapped_column(String(100))
    contact_id: Mapped[str | None] = mapped_column(String(40), index=True)
    amount: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # last asked


class InviteRow(Base):
    """An invite: its tenant, address and role, and the SHA-256 of its link's token."""

    __tablename__ = "invites"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
