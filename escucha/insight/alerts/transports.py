"""Delivering one alert to one destination: a receipt, or escucha's transient or permanent
error naming the kind and host that failed, and never a secret.

Errors are raised outside the `except` blocks that caught the library's own: a library
exception carries the request (Telegram's bot token is in its URL path) and would otherwise
ride along as `__context__` into tracebacks and logs.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx

from escucha.core.errors import (
    EscuchaError,
    PermanentError,
    RateLimited,
    TransientError,
    check_response,
    retry_at,
)
from escucha.insight.alerts import formats, standard_webhooks
from escucha.insight.alerts.alert import Alert
from escucha.insight.alerts.destination import Destination, Email, Slack, Telegram, Webhook

SMTP_TIMEOUT_S = 10.0
SNIPPET = 200  # how much of the other side's answer an error quotes
HIDDEN = "<secret>"


def deliver(
    destination: Destination,
    alert: Alert,
    client: httpx.Client,
    now: float | None = None,
    smtp_timeout: float = SMTP_TIMEOUT_S,
) -> str:
    """Send `alert`; a short receipt. Raises RateLimited, TransientError or PermanentError."""
    at = time.time() if now is None else now
    if isinstance(destination, Webhook):
        return _webhook(destination, alert, client, at)
    if isinstance(destination, Slack):
        return _slack(destination, alert, client, at)
    if isinstance(destination, Telegram):
        return _telegram(destination, alert, client, at)
    return _email(destination, alert, at, smtp_timeout)


# webhook


def _webhook(destination: Webhook, alert: Alert, client: httpx.Client, now: float) -> str:
    where = f"webhook {_host(destination.url)}"
    body = json.dumps(alert.payload(), separators=(",", ":"), ensure_ascii=False).encode()
    # The same id on every attempt (receivers dedupe on it); the timestamp is this attempt's.
    msg_id = standard_webhooks.webhook_id(alert.id)
    signed = standard_webhooks.headers(destination.secret, msg_id, int(now), body)
    sent = signed | {"content-type": "application/json", "user-agent": "escucha-alerts"}
    response = _post(client, where, destination.url, (), content=body, headers=sent)
    _check(response, now, where)
    return f"HTTP {response.status_code}"


# slack


def _slack(destination: Slack, alert: Alert, client: httpx.Client, now: float) -> str:
    where = f"slack {_host(destination.url)}"
    # The URL is the secret: only its host ever appears in an error.
    hidden = _url_secrets(destination.url)
    message = formats.slack_message(alert)
    response = _post(client, where, destination.url, hidden, json=message)
    _check(response, now, where, hidden)
    return f"HTTP {response.status_code}"


# telegram


def _telegram(destination: Telegram, alert: Alert, client: httpx.Client, now: float) -> str:
    where = f"telegram {_host(destination.api_url)}"
    token = destination.bot_token
    hidden = (token, token.replace(":", "%3A"))  # as it is, and as an echo may encode it
    url = f"{destination.api_url.rstrip('/')}/bot{token}/sendMessage"
    message = formats.telegram_message(alert, destination.chat_id)
    response = _post(client, where, url, hidden, json=message)
    answer = _json(response)
    if answer is None:
        _check(response, now, where, hidden)  # a proxy's page, not Telegram: by status
        raise TransientError(f"{where}: answered HTTP {response.status_code} without JSON")
    result = answer.get("result")
    if answer.get("ok") is True and response.is_success and isinstance(result, dict):
        return f"message_id {result.get('message_id')}"
    raise _telegram_error(answer, response, now, where, hidden)


def _telegram_error(
    answer: Mapping[str, Any],
    response: httpx.Response,
    now: float,
    where: str,
    hidden: Iterable[str],
) -> EscuchaError:
    code = answer.get("error_code")
    status = code if isinstance(code, int) else response.status_code
    description = _redact(str(answer.get("description") or response.reason_phrase), hidden)
    parameters = answer.get("parameters")
    said: Mapping[str, Any] = parameters if isinstance(parameters, dict) else {}
    what = f"{where}: {status} {description[:SNIPPET]}"
    if status == 429:
        after = said.get("retry_after")
        when = now + after if isinstance(after, int | float) else retry_at(response.headers, now)
        return RateLimited(f"{what}, rate limited", when)
    if status >= 500 or status in (408, 425):
        return TransientError(f"{what}, try again later", retry_at(response.headers, now))
    if "migrate_to_chat_id" in said:
        return PermanentError(f"{what}; the chat is now {said['migrate_to_chat_id']}", status)
    return PermanentError(what, status)


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


# http, shared


def _post(
    client: httpx.Client, where: str, url: str, hidden: Iterable[str], **request: Any
) -> httpx.Response:
    """POST without following redirects; a failed exchange becomes TransientError, redacted."""
    try:
        # Standard Webhooks: a redirect is a failure to report, not a hop to make.
        return client.post(url, follow_redirects=False, **request)
    except httpx.TransportError as error:
        failure: EscuchaError = TransientError(f"{where}: {_describe(error, hidden)}")
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        failure = PermanentError(f"{where}: {_describe(error, hidden)}")
    raise failure


def _check(response: httpx.Response, now: float, where: str, hidden: Iterable[str] = ()) -> None:
    """check_response's verdict (and Retry-After), told without the URL; 3xx is a failure."""
    status = response.status_code
    what = f"{where}: answered HTTP {status}"
    said = _redact(" ".join(response.text.split())[:SNIPPET], hidden)
    if said:
        what += f" {said!r}"
    try:
        check_response(response, now)
    except RateLimited as error:
        failure: EscuchaError = RateLimited(f"{what}, rate limited", error.retry_at)
    except TransientError as error:
        failure = TransientError(f"{what}, try again later", error.retry_at)
    except PermanentError as error:
        failure = PermanentError(what, error.status)
    else:
        if response.is_success:
            return
        failure = PermanentError(f"{what}: a redirect, not followed; update the URL", status)
    raise failure


def _describe(error: Exception, hidden: Iterable[str]) -> str:
    return _redact(f"{type(error).__name__}: {error}", hidden)


def _redact(text: str, hidden: Iterable[str]) -> str:
    for secret in hidden:
        if secret:
            text = text.replace(secret, HIDDEN)
    return text


def _url_secrets(url: str) -> tuple[str, ...]:
    """A secret URL and the parts of it an answer may echo: the path, and its last segment
    (the token itself, in a Slack hook)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    token = path.rsplit("/", 1)[-1]
    found = (url, f"{path}?{parts.query}" if parts.query else "", path, token)
    # Longest first, so a part inside another is not replaced half-way.
    return tuple(sorted({p for p in found if len(p) >= 8}, key=len, reverse=True))


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


# e-mail


class _SMTP(smtplib.SMTP):
    """smtplib.SMTP that keeps the server's answer to DATA: its queue id is the receipt."""

    accepted: tuple[int, bytes] = (0, b"")

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.accepted = super().data(msg)
        return self.accepted


def _email(destination: Email, alert: Alert, now: float, timeout: float) -> str:
    sent_at = datetime.fromtimestamp(now, UTC)
    message = formats.email_message(alert, destination.sender, destination.to, sent_at)
    return send_email(destination, message, timeout)


def send_email(destination: Email, message: EmailMessage, timeout: float = SMTP_TIMEOUT_S
               ) -> str:  # fmt: skip
    """Send a composed message through the destination's server; a short receipt. A 4xx is
    TransientError, a 5xx PermanentError with the server's reason; the password never shows."""
    where = f"email {destination.host}:{destination.port}"
    hidden = (destination.password or "",)
    try:
        code, reply, refused = _smtp_send(destination, message, timeout)
    except smtplib.SMTPRecipientsRefused as error:
        failure = _refused(where, error.recipients, hidden)
    except smtplib.SMTPAuthenticationError as error:
        said = _redact(_text(error.smtp_error), hidden)
        failure = PermanentError(
            f"{where}: login refused ({error.smtp_code} {said})", error.smtp_code
        )
    except smtplib.SMTPResponseException as error:
        failure = _by_code(where, error.smtp_code, _redact(_text(error.smtp_error), hidden))
    except smtplib.SMTPServerDisconnected as error:
        failure = TransientError(f"{where}: disconnected ({_redact(str(error), hidden)})")
    except smtplib.SMTPNotSupportedError as error:
        # Most often STARTTLS not offered: sending anyway would expose the mail and login.
        failure = PermanentError(f"{where}: {_redact(str(error), hidden)}")
    except smtplib.SMTPException as error:
        failure = PermanentError(f"{where}: {_describe(error, hidden)}")
    except ssl.SSLCertVerificationError as error:
        failure = PermanentError(f"{where}: TLS certificate refused ({error.verify_message})")
    except OSError as error:  # refused, unreachable, timed out, TLS cut off
        failure = TransientError(f"{where}: {_describe(error, hidden)}")
    else:
        receipt = f"{code} {_redact(_text(reply), hidden)}".strip()[:SNIPPET]
        if refused:
            receipt += "; refused " + ", ".join(
                f"{address} ({c})" for address, (c, _) in sorted(refused.items())
            )
        return receipt
    raise failure


def _smtp_send(
    destination: Email, message: EmailMessage, timeout: float
) -> tuple[int, bytes, dict[str, tuple[int, bytes]]]:
    smtp = _SMTP(timeout=timeout)
    try:
        smtp.connect(destination.host, destination.port)
        if destination.starttls:
            smtp.ehlo()
            smtp.starttls(context=ssl.create_default_context())
            if destination.username and destination.password:
                smtp.login(destination.username, destination.password)
        refused = smtp.send_message(message)
        code, reply = smtp.accepted
        return code, reply, refused
    finally:
        _close(smtp)


def _close(smtp: smtplib.SMTP) -> None:
    # Once the message is accepted a failing QUIT changes nothing: it must not become a retry.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _refused(
    where: str, recipients: Mapping[str, tuple[int, bytes]], hidden: Iterable[str]
) -> EscuchaError:
    said = ", ".join(f"{a} ({c} {_redact(_text(r), hidden)})" for a, (c, r) in recipients.items())
    # Any recipient refused for now makes it worth another try; 5xx for all is final.
    if any(400 <= code < 500 for code, _ in recipients.values()):
        return TransientError(f"{where}: recipients refused for now: {said}")
    return PermanentError(f"{where}: recipients refused: {said}", max(recipients.values())[0])


def _by_code(where: str, code: int, said: str) -> EscuchaError:
    if 500 <= code < 600:
        return PermanentError(f"{where}: {code} {said}", code)
    return TransientError(f"{where}: {code} {said}, try again later")


def _text(reply: bytes | str) -> str:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())[:SNIPPET]
