"""The weekly report by e-mail: beat ticks `due`, which writes the reports due now into the
outbox and hands each due one to `send`, which draws it, mails it and settles its row."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from config.settings import Report, get_settings
from escucha.report.weekly_mail import Smtp, enqueue_due, send_one
from escucha.store.alert_outbox import AlertOutbox
from workers.app import app
from workers.resources import store, tenants


@app.task(name="escucha.report.due")
def due() -> int:
    """Write down the reports due now and hand out every one due to send; how many."""
    if smtp(get_settings().report) is None:
        return 0  # no mail server set up: no report is written down, so none piles up
    now = datetime.now(UTC)
    enqueue_due(mail_outbox(), tenants().all(), now)
    ready = mail_outbox().due(now, mail=True)
    for key in ready:
        app.send_task("escucha.report.send", args=[key])
    return len(ready)


@app.task(name="escucha.report.send", acks_late=True, reject_on_worker_lost=True)
def send(key: str) -> str | None:
    server = smtp(get_settings().report)
    if server is None:
        return None  # the server was unset since: the row waits until it is set again
    outcome = send_one(mail_outbox(), store().engine, tenants().get, server, key,
                       datetime.now(UTC))  # fmt: skip
    return type(outcome).__name__ if outcome else None


@cache
def mail_outbox() -> AlertOutbox:
    return AlertOutbox(store().engine)


def smtp(settings: Report) -> Smtp | None:
    """The report mail server the settings name, or None when they name none."""
    if not settings.report_smtp_host or not settings.report_from:
        return None
    password = settings.report_smtp_password
    return Smtp(settings.report_from, settings.report_smtp_host, settings.report_smtp_port,
                settings.report_smtp_starttls, settings.report_smtp_user,
                password.get_secret_value() if password else None)  # fmt: skip
