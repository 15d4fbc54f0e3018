"""The weekly report's tick: due reports into the outbox, and each due one built, sent, settled.

Rows ride in the alert outbox under the event `mail.weekly_report` (the alert sender never takes
them) and hold only the week, the addresses and the due moment: the SMTP server and its login
come from the installation's settings at each attempt, so no row or log line ever holds them.
The outbox key makes a report once per tenant and week, however often the tick runs.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from escucha.core.attempts import Dead, Retry
from escucha.core.backoff import after_transient
from escucha.core.errors import TRANSIENT_ERRORS, PermanentError
from escucha.core.logs import get_logger
from escucha.core.period import period
from escucha.core.tenant import Tenant
from escucha.insight.alerts.destination import Email
from escucha.insight.alerts.transports import SMTP_TIMEOUT_S, send_email
from escucha.report.contents import build_report
from escucha.report.mailing import weekly_message
from escucha.report.weekly import GRACE, DueReport, due_reports
from escucha.store.alert_outbox import MAIL, AlertOutbox, Delivery
from escucha.store.schema import AlertDeliveryRow

log = get_logger("escucha.report.mail")
EVENT = f"{MAIL}weekly_report"
DESTINATION = "weekly-report"  # names no alert destination: the server is the installation's
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Smtp:
    """The installation's mail server for reports, from its settings; never stored in a row."""

    sender: str  # the From address, "escucha <informes@example.com>"
    host: str
    port: int = 587
    starttls: bool = True
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Checked here, not at the first send: wrong settings must not dead-letter every report.
        self.server((self.sender,))

    def server(self, to: Sequence[str]) -> Email:
        """The server as send_email takes it, for `to`; ValueError when the settings are wrong."""
        return Email(to=tuple(to), sender=self.sender, host=self.host, port=self.port,
                     starttls=self.starttls, username=self.username,
                     password=self.password)  # fmt: skip


@dataclass(frozen=True)
class Sent:
    receipt: str


Outcome = Sent | Retry | Dead


@dataclass(frozen=True)
class Counts:
    """What one round of sending did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0

    def add(self, outcome: Outcome) -> Counts:
        return Counts(self.sent + isinstance(outcome, Sent),
                      self.retried + isinstance(outcome, Retry),
                      self.dead + isinstance(outcome, Dead))  # fmt: skip


def delivery(due: DueReport) -> Delivery:
    """The outbox row of a due report: what to send, never how."""
    job = {"week": due.week, "to": list(due.to), "due_at": due.due_at.isoformat()}
    return Delivery(due.key, due.tenant, DESTINATION, EVENT, job)


def enqueue_due(
    outbox: AlertOutbox, tenants: Iterable[Tenant], now: datetime, grace: timedelta = GRACE
) -> int:
    """A row for every report due at `now`; how many were new (a key already there is kept)."""
    added = 0
    for due in due_reports(tenants, now, grace):
        # Another tick may write the same key between the look and the write: it is there.
        with suppress(IntegrityError):
            added += outbox.add(delivery(due), now)
    return added


def send_due(
    outbox: AlertOutbox,
    engine: Engine,
    tenant_of: Callable[[str], Tenant | None],
    smtp: Smtp,
    now: datetime,
    jitter: Callable[[], float] = random.random,
    timeout: float = SMTP_TIMEOUT_S,
) -> Counts:
    """One attempt at every due report e-mail."""
    counts = Counts()
    for key in outbox.due(now, mail=True):
        outcome = send_one(outbox, engine, tenant_of, smtp, key, now, jitter, timeout)
        if outcome is not None:
            counts = counts.add(outcome)
    return counts


def send_one(
    outbox: AlertOutbox,
    engine: Engine,
    tenant_of: Callable[[str], Tenant | None],
    smtp: Smtp,
    key: str,
    now: datetime,
    jitter: Callable[[], float] = random.random,
    timeout: float = SMTP_TIMEOUT_S,
) -> Outcome | None:
    """One attempt at one report e-mail; None when another sender holds it or it is settled."""
    found = outbox.get(key)
    if found is None or not found.event.startswith(MAIL):
        return None  # an alert's key: the alert sender's to take, never this one's
    # The report is drawn before the row is claimed: a PDF that takes longer than the lease
    # must not let a second sender claim the row while this one is still drawing it.
    started = time.monotonic()
    prepared = _prepare(found, engine, tenant_of, smtp, now)
    now += timedelta(seconds=time.monotonic() - started)
    row = outbox.claim(key, now)
    if row is None:
        return None
    outcome = (
        prepared
        if isinstance(prepared, Dead)
        else _attempt(row, prepared, smtp, now, jitter, timeout)
    )
    _settle(outbox, row, outcome, now)
    log.info("report.mail", key=key, tenant=row.tenant, outcome=type(outcome).__name__,
             attempt=row.attempts + 1)  # fmt: skip
    return outcome


def _prepare(row: AlertDeliveryRow, engine: Engine, tenant_of: Callable[[str], Tenant | None],
             smtp: Smtp, now: datetime) -> EmailMessage | Dead:  # fmt: skip
    """The e-mail the row stands for, or why it can never be sent."""
    try:
        tenant = tenant_of(row.tenant)
        if tenant is None:
            return Dead(f"the tenant {row.tenant!r} is gone")
        week, to = _job(row.alert)
        report = build_report(engine, tenant, period(week, tenant.zone), now)
        return weekly_message(report, smtp.sender, to, row.key, now)
    except (ValueError, KeyError, TypeError) as error:  # a bad week, addresses or settings
        return Dead(f"the row cannot be sent: {type(error).__name__}: {error}")


def _attempt(row: AlertDeliveryRow, message: EmailMessage, smtp: Smtp, now: datetime,
             jitter: Callable[[], float], timeout: float) -> Outcome:  # fmt: skip
    try:
        return Sent(send_email(smtp.server(_job(row.alert)[1]), message, timeout))
    except PermanentError as error:
        return Dead(str(error))
    except TRANSIENT_ERRORS as error:
        at, reason = after_transient(error, row.attempts, now, MAX_ATTEMPTS, jitter)
        return Retry(at, reason) if at else Dead(reason)
    except Exception as error:  # a row left `sending` would be claimed again at every lease
        # Only the type: a library's message may quote what it was given (the login).
        return Dead(f"could not be sent: {type(error).__name__}")


def _job(job: dict[str, Any]) -> tuple[str, list[str]]:
    """The week and the addresses a row holds; ValueError when it holds neither."""
    week, to = job["week"], job["to"]
    if not isinstance(week, str) or not to or not all(isinstance(a, str) for a in to):
        raise ValueError("the row names no week or no addresses")
    return week, list(to)


def _settle(outbox: AlertOutbox, row: AlertDeliveryRow, outcome: Outcome, now: datetime) -> None:
    if isinstance(outcome, Sent):
        outbox.sent(row, outcome.receipt, now)
    elif isinstance(outcome, Retry):
        outbox.retry(row, outcome.at, outcome.reason, now)
    else:
        outbox.dead(row, outcome.reason, now)
