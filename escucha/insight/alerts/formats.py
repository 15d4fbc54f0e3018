"""What an alert looks like on each channel: pure builders for Slack, Telegram and e-mail."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from escucha.insight.alerts.alert import Alert

SLACK_HEADER_MAX = 150  # Block Kit limits; over them Slack refuses the whole message (400)
SLACK_TEXT_MAX = 3000
SLACK_BUTTON_MAX = 75
TELEGRAM_TEXT_MAX = 4096  # sendMessage; counted in UTF-16 units, as Telegram counts
TELEGRAM_TITLE_MAX = 256
ELLIPSIS = "…"
# An entity cut short at the end of a truncated text: "&am", "&#x2", "&".
BROKEN_ENTITY = re.compile(r"&#?[A-Za-z0-9]*$")
SAFE_MESSAGE_ID = re.compile(r"^[A-Za-z0-9._-]{1,200}$")
OPEN = {"es": "Abrir en escucha", "en": "Open in escucha"}


def slack_escape(text: str) -> str:
    """Slack's three control characters as entities, and nothing else (Slack's rule)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fit(escaped: str, limit: int, measure: Callable[[str], int] = len) -> str:
    """`escaped` (entities, no tags) cut to `limit` with an ellipsis, never inside an entity."""
    if measure(escaped) <= limit:
        return escaped
    budget = limit - measure(ELLIPSIS)
    end = used = 0
    for char in escaped:  # by character: one beyond the BMP may count as two
        used += measure(char)
        if used > budget:
            break
        end += 1
    return BROKEN_ENTITY.sub("", escaped[:end]) + ELLIPSIS


def utf16_units(text: str) -> int:
    """Length as Telegram counts it: characters beyond the BMP count twice."""
    return len(text.encode("utf-16-le")) // 2


def is_web_link(link: str | None) -> bool:
    # Slack refuses a message whose button is not a web URL; other links are left out.
    return bool(link) and str(link).startswith(("https://", "http://"))


def _open(alert: Alert) -> str:
    return OPEN.get(alert.language, OPEN["en"])


def _when(alert: Alert) -> str:
    return f"{alert.occurred_at:%Y-%m-%d %H:%M} UTC"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def slack_message(alert: Alert) -> dict[str, Any]:
    """Block Kit for an incoming webhook; `text` is the notification and fallback."""
    title = _one_line(alert.title) or alert.event
    blocks: list[dict[str, Any]] = [
        # plain_text is shown as is: no mrkdwn parsing, so nothing to escape.
        {"type": "header", "text": {"type": "plain_text", "text": _cut(title, SLACK_HEADER_MAX)}},
    ]
    if alert.summary.strip():
        blocks.append(_mrkdwn_section(slack_escape(alert.summary)))
    if alert.details:
        lines = "\n".join(f"• {slack_escape(_one_line(d))}" for d in alert.details)
        blocks.append(_mrkdwn_section(lines))
    stamp = int(alert.occurred_at.timestamp())
    # Slack shows <!date> in each reader's own time zone; the text after | is the fallback.
    when = f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{_when(alert)}>"
    event = slack_escape(alert.event)
    context = {"type": "mrkdwn", "text": f"{event} · {when}"}
    blocks.append({"type": "context", "elements": [context]})
    if is_web_link(alert.link) and len(str(alert.link)) <= SLACK_TEXT_MAX:
        text = {"type": "plain_text", "text": _cut(_open(alert), SLACK_BUTTON_MAX)}
        button = {"type": "button", "text": text, "url": alert.link}
        blocks.append({"type": "actions", "elements": [button]})
    fallback = slack_escape(f"{title}: {_one_line(alert.summary)}")
    return {"text": fit(fallback, SLACK_TEXT_MAX), "blocks": blocks}


def _mrkdwn_section(escaped: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": fit(escaped, SLACK_TEXT_MAX)}}


def _cut(plain: str, limit: int) -> str:
    return plain if len(plain) <= limit else plain[: limit - len(ELLIPSIS)] + ELLIPSIS


def telegram_message(alert: Alert, chat_id: str) -> dict[str, Any]:
    """sendMessage's body in Telegram's HTML mode; the body is cut, never a tag or entity."""
    title = html.escape(_cut(_one_line(alert.title) or alert.event, TELEGRAM_TITLE_MAX), False)
    head = f"<b>{title}</b>\n"
    lines = [alert.summary.strip()] if alert.summary.strip() else []
    if alert.details:
        lines.append("\n".join(f"• {_one_line(d)}" for d in alert.details))
    body = html.escape("\n\n".join(lines), quote=False)
    tail = f"\n\n<i>{html.escape(alert.event, False)} · {_when(alert)}</i>"
    link = f'\n<a href="{html.escape(str(alert.link), quote=True)}">{_open(alert)}</a>'
    # A link too long to leave room for the news is left out rather than cut (a broken tag).
    if is_web_link(alert.link) and utf16_units(link) <= TELEGRAM_TEXT_MAX // 2:
        tail += link
    room = TELEGRAM_TEXT_MAX - utf16_units(head) - utf16_units(tail)
    text = head + fit(body, room, utf16_units) + tail
    return {
        "chat_id": chat_id,
        "text": text,
        "parse_mode": "HTML",
        "disable_web_page_preview": True,
    }


def message_id(alert: Alert) -> str:
    """A Message-ID that is the same for every send of this alert, so a retry is recognisable."""
    local = alert.id if SAFE_MESSAGE_ID.match(alert.id) else _digest(alert.id)
    return f"<{local}@escucha.alerts>"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def email_message(
    alert: Alert, sender: str, to: Sequence[str], now: datetime | None = None
) -> EmailMessage:
    """A text and HTML e-mail; `Date` is `now` (when it is sent), else when it happened."""
    message = EmailMessage()
    # Headers are one line: a line break in a title must not start a header of its own.
    message["Subject"] = f"[escucha] {_one_line(alert.title)}"
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(now or alert.occurred_at)
    message["Message-ID"] = message_id(alert)
    message["X-Escucha-Alert"] = _one_line(alert.id)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office robots stay quiet
    message["Content-Language"] = alert.language
    message.set_content(_email_text(alert))
    message.add_alternative(_email_html(alert), subtype="html")
    return message


def _email_text(alert: Alert) -> str:
    parts = [alert.title, "", alert.summary]
    if alert.details:
        parts += ["", *(f"- {d}" for d in alert.details)]
    parts += ["", f"{alert.event} · {_when(alert)}"]
    if alert.link:
        parts.append(alert.link)
    return "\n".join(parts) + "\n"


def _email_html(alert: Alert) -> str:
    def e(text: str) -> str:
        return html.escape(text, quote=True)

    parts = [f"<h2>{e(alert.title)}</h2>", f"<p>{e(alert.summary)}</p>"]
    if alert.details:
        items = "".join(f"<li>{e(d)}</li>" for d in alert.details)
        parts.append(f"<ul>{items}</ul>")
    parts.append(f"<p><small>{e(alert.event)} · {_when(alert)}</small></p>")
    if is_web_link(alert.link):
        parts.append(f'<p><a href="{e(str(alert.link))}">{e(_open(alert))}</a></p>')
    body = "\n".join(parts)
    return f'<!DOCTYPE html>\n<html lang="{e(alert.language)}"><body>\n{body}\n</body></html>\n'
