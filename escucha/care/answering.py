"""Answering a case: the tone check first, then the outbox, which sends it once.

The reply goes out from the tenant's connected channel on the platform the customer wrote on,
to their latest message. A canned response is composed first, in the case's language and
filled from the case. The API and the command line both answer through here. The tone check
reads the tenant's own guide (`[tenant.tone]`, the settings page's "Tone guide") as stored now.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from escucha.care.canned import ALIASES, known_values, render, variant
from escucha.care.csat import KEY_PREFIX, reserved
from escucha.care.tone import Language, Reply, check
from escucha.core.models import native_id
from escucha.core.tenant import Tenant
from escucha.core.tone_guide import ToneGuide
from escucha.store.canned_responses import CannedResponses
from escucha.store.cases import Cases
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.outbox import NewReply, Outbox
from escucha.store.schema import MentionRow, OutboxRow
from escucha.store.tenants import Tenants

REPLYABLE = {"facebook", "instagram", "x", "mastodon"}
COMPLAINTS = {"complaint", "claim"}


class AnswerRefused(Exception):
    """The reply cannot be queued; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoSuchCase(AnswerRefused):
    pass


class CannotAnswer(AnswerRefused):
    """The case or the tenant cannot take this reply now (no message, channel or key)."""


class NoSuchCanned(AnswerRefused):
    pass


class Unanswerable(AnswerRefused):
    """escucha cannot reply on the case's platform."""


class ToneFindings(AnswerRefused):
    """The reply has findings and was not confirmed."""

    def __init__(self, findings: list[dict[str, Any]]) -> None:
        super().__init__("the reply has tone findings; fix them or confirm")
        self.findings = findings


@dataclass(frozen=True)
class Queued:
    reply: OutboxRow
    findings: list[dict[str, Any]]  # the tone check's, sent anyway when confirmed


@dataclass(frozen=True)
class Composed:
    name: str
    language: str
    text: str


@dataclass(frozen=True)
class Answering:
    cases: Cases
    outbox: Outbox
    channels: ChannelCredentials  # lists channels; never opens a token
    tenants: Callable[[str], Tenant | None] | None = None  # None: the tenants table, as stored

    def compose(self, tenant: Tenant, case_id: str, name: str, values: Mapping[str, str]
                ) -> Composed:  # fmt: skip
        """The canned response `name` as a reply to the case: the variant in the customer's
        language (else the tenant's), filled from the case and from `values`, which win.
        Raises NoSuchCanned, or MissingValues naming the variables still without a value."""
        latest, customer = self._latest(tenant.id, case_id)
        variants = CannedResponses(self.cases.engine).of_tenant(tenant.id, name)
        found = variant(variants, [latest.lang, *tenant.languages])
        if found is None:
            raise NoSuchCanned(f"tenant {tenant.id!r} has no canned response {name!r}")
        known = known_values(latest.author, [m.text for m in customer], tenant.name)
        given = {ALIASES.get(key, key): value for key, value in values.items()}
        return Composed(found.name, found.language, render(found.text, known | given))

    def review(self, tenant: str, case_id: str, text: str) -> list[dict[str, Any]]:
        """The tone check's findings on `text` as a reply to the case; nothing is queued."""
        return self._drafted(tenant, case_id, text)[1]

    def answer(self, tenant: str, case_id: str, text: str, private: bool = False,
               confirm: bool = False, key: str | None = None, automated: bool = False,
               survey: bool = False) -> Queued:  # fmt: skip
        """Check the reply's tone and put it in the outbox (a key makes it once-only)."""
        if key is not None and reserved(key) and not survey:
            raise CannotAnswer(f"Idempotency-Keys starting {KEY_PREFIX!r} are escucha's own")
        latest, findings = self._drafted(tenant, case_id, text)
        if findings and not confirm:
            raise ToneFindings(findings)
        new = NewReply(
            key=key or f"reply-{uuid.uuid4().hex}", tenant=tenant,
            account=self._channel(tenant, latest.source), platform=latest.source,
            in_reply_to=native_id(latest.source, latest.external_id), text=text,
            case_id=case_id, private=private and not latest.direct,
            author_handle=latest.author if latest.source == "mastodon" else None,
            direct=latest.direct, recipient_id=latest.author_id if latest.direct else None,
            author="automation" if automated else "agent",
        )  # fmt: skip
        self.outbox.add(new)
        row = self.outbox.get(new.key)
        if row is None or row.tenant != tenant or row.case_id != case_id:
            # The key was used for another case's reply: saying "queued" would drop this one.
            raise CannotAnswer("that Idempotency-Key belongs to another reply")
        return Queued(row, findings)

    def _drafted(self, tenant: str, case_id: str, text: str
                 ) -> tuple[MentionRow, list[dict[str, Any]]]:  # fmt: skip
        """The message a reply would answer (the customer's latest), and the reply's findings."""
        latest, customer = self._latest(tenant, case_id)
        if latest.source not in REPLYABLE:
            raise Unanswerable(f"escucha cannot reply on {latest.source!r} yet")
        language: Language = "es" if latest.lang == "es" else "en"
        complaint = any(m.intent in COMPLAINTS or m.complaint for m in customer)
        drafted = Reply(text, language, latest.source, latest.author, complaint)
        return latest, [f.model_dump() for f in check(drafted, self._guide(tenant))]

    def _guide(self, tenant: str) -> ToneGuide:
        """The tenant's tone guide; escucha's defaults for a tenant not stored."""
        lookup = self.tenants or Tenants(self.cases.engine).get
        found = lookup(tenant)
        return found.tone if found is not None else ToneGuide()

    def _latest(self, tenant: str, case_id: str) -> tuple[MentionRow, list[MentionRow]]:
        """The customer's latest message on the case, and all of theirs in time order."""
        history = self.cases.history(case_id)
        if history is None or history.case.tenant != tenant:
            raise NoSuchCase(f"no case {case_id!r}")
        customer = [m for m in history.mentions if m.inbound]
        if not customer:
            raise CannotAnswer(f"case {case_id!r} has no customer message to answer")
        return customer[-1], customer

    def _channel(self, tenant: str, platform: str) -> str:
        for channel in self.channels.of_tenant(tenant):
            if channel.platform == platform:
                return channel.account
        raise CannotAnswer(f"tenant {tenant!r} has no connected {platform} channel: "
                           f"`escucha channel connect {platform}`")  # fmt: skip
