"""Alert transports over real loopback sockets: a Standard Webhooks receiver, Slack and
Telegram played by local HTTP servers, and an aiosmtpd server taking the e-mail."""

from __future__ import annotations

import json
import re
import socket
import traceback
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from aiosmtpd.controller import Controller
from pydantic import ValidationError

from escucha.core.errors import PermanentError, RateLimited, TransientError, why_invalid
from escucha.insight.alerts import formats, standard_webhooks
from escucha.insight.alerts.alert import Alert
from escucha.insight.alerts.destination import (
    Email,
    Slack,
    Telegram,
    Webhook,
    new_webhook_secret,
    parse_destination,
)
from escucha.insight.alerts.standard_webhooks import WebhookVerificationError, verify
from escucha.insight.alerts.transports import deliver
from tests.platform_servers import PlatformServer, Reply

NOW = 1_796_000_000.0  # fixed attempt times: nothing here sleeps or reads the clock
TOKEN = "123456789:AAH-s3cr3t_b0t_T0ken"
SLACK_PATH = "/services/T0001/B0001/sl4ckS3cretPath"
TELEGRAM_PATH = f"/bot{TOKEN}/sendMessage"
PASSWORD = "hunter2-smtp-pass"


def an_alert(**changes) -> Alert:
    fields: dict[str, Any] = {
        "id": "inc-7.42",
        "tenant": "acme",
        "event": "incident.opened",
        "title": "Posible crisis: entregas · Acme & Co",
        "summary": "31 menciones <en 1 h> & subiendo",
        "details": ("Términos: retraso, estafa", "«No llega mi pedido» (@lucia)"),
        "link": "https://escucha.example/v1/incidents/inc-7",
        "occurred_at": datetime(2026, 11, 30, 9, 15, tzinfo=UTC),
        "language": "es",
        "data": {"incident_id": "inc-7", "observed": 31},
    }
    return Alert(**(fields | changes))


@pytest.fixture
def client():
    with httpx.Client(timeout=5) as http:
        yield http


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def told(error: BaseException) -> str:
    """Everything an error would put in a log: message, repr, and the formatted traceback."""
    return f"{error}\n{error!r}\n{''.join(traceback.format_exception(error))}"


# Standard Webhooks


def webhook_to(server: PlatformServer, secret: str | None = None) -> Webhook:
    return Webhook(url=f"{server.url}/hooks/escucha", secret=secret or new_webhook_secret())


def test_a_webhook_is_signed_and_the_receiver_verifies_it(client):
    with PlatformServer({"/hooks/escucha": lambda _: Reply(200, "ok")}) as receiver:
        destination = webhook_to(receiver)
        alert = an_alert()
        assert deliver(destination, alert, client, now=NOW) == "HTTP 200"
    [seen] = receiver.hits("/hooks/escucha")
    assert seen.method == "POST" and seen.headers["content-type"] == "application/json"
    assert seen.headers["webhook-timestamp"] == str(int(NOW))
    verify(destination.secret, seen.headers, seen.body, now=NOW)  # raises when not signed
    payload = seen.json()
    assert payload == alert.payload()
    assert payload["type"] == "incident.opened"
    assert payload["timestamp"] == "2026-11-30T09:15:00+00:00"
    assert payload["data"]["alert_id"] == "inc-7.42" and payload["data"]["observed"] == 31


def test_verify_refuses_a_tampered_body_a_wrong_secret_and_a_stale_or_future_time(client):
    with PlatformServer({"/hooks/escucha": lambda _: Reply(204)}) as receiver:
        destination = webhook_to(receiver)
        deliver(destination, an_alert(), client, now=NOW)
    [seen] = receiver.hits("/hooks/escucha")
    secret, headers, body = destination.secret, seen.headers, seen.body
    with pytest.raises(WebhookVerificationError, match="no matching signature"):
        verify(secret, headers, body.replace(b"31", b"13"), now=NOW)
    with pytest.raises(WebhookVerificationError, match="no matching signature"):
        verify(new_webhook_secret(), headers, body, now=NOW)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(secret, headers, body, now=NOW + 600)  # received ten minutes later
    with pytest.raises(WebhookVerificationError, match="too new"):
        verify(secret, headers, body, now=NOW - 600)
    for missing in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        partial = {k: v for k, v in headers.items() if k != missing}
        with pytest.raises(WebhookVerificationError, match="missing"):
            verify(secret, partial, body, now=NOW)
    # Within the tolerance it passes; a rotated secret's extra signature is skipped.
    verify(secret, headers, body, now=NOW + 299)
    rotated = dict(headers)
    rotated["webhook-signature"] = f"v1,AAAA v1a,BBBB {headers['webhook-signature']}"
    verify(secret, rotated, body, now=NOW)
    assert not isinstance(WebhookVerificationError("x"), PermanentError)


def test_signatures_match_the_standard_webhooks_reference_vector():
    # From the Standard Webhooks Python library's own test suite.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    msg_id, timestamp, body = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert standard_webhooks.sign(secret, msg_id, timestamp, body) == expected
    headers = standard_webhooks.headers(secret, msg_id, timestamp, body)
    verify(secret, headers, body, now=timestamp + 1)


def test_a_retry_carries_the_same_webhook_id_with_a_new_timestamp(client):
    with PlatformServer({"/hooks/escucha": lambda _: Reply(200)}) as receiver:
        destination = webhook_to(receiver)
        deliver(destination, an_alert(), client, now=NOW)
        deliver(destination, an_alert(), client, now=NOW + 90)
        deliver(destination, an_alert(id="inc-7.43"), client, now=NOW + 90)
    first, retry, other = receiver.hits("/hooks/escucha")
    assert first.headers["webhook-id"] == retry.headers["webhook-id"]
    assert first.body == retry.body
    assert retry.headers["webhook-timestamp"] == str(int(NOW + 90))
    assert first.headers["webhook-signature"] != retry.headers["webhook-signature"]
    verify(destination.secret, retry.headers, retry.body, now=NOW + 90)
    assert other.headers["webhook-id"] != first.headers["webhook-id"]
    # The spec forbids full stops in the id (it is joined with them before signing).
    assert "." not in first.headers["webhook-id"]
    assert first.headers["webhook-id"].startswith("msg_")


def test_a_redirect_is_a_failure_and_is_not_followed(client):
    moved = {"Location": "/elsewhere"}
    routes = {"/hooks/escucha": lambda _: Reply(301, b"", moved), "/elsewhere": lambda _: Reply()}
    with (
        PlatformServer(routes) as receiver,
        pytest.raises(PermanentError, match="redirect") as caught,
    ):
        deliver(webhook_to(receiver), an_alert(), client, now=NOW)
    assert caught.value.status == 301
    assert [s.path for s in receiver.seen] == ["/hooks/escucha"]


# Slack


def test_slack_gets_blocks_with_escaped_mrkdwn(client):
    with PlatformServer({SLACK_PATH: lambda _: Reply(200, "ok")}) as slack:
        receipt = deliver(Slack(url=slack.url + SLACK_PATH), an_alert(), client, now=NOW)
    assert receipt == "HTTP 200"
    [seen] = slack.hits(SLACK_PATH)
    message = seen.json()
    assert message["text"] == (
        "Posible crisis: entregas · Acme &amp; Co: 31 menciones &lt;en 1 h&gt; &amp; subiendo"
    )
    header, summary, details, context, actions = message["blocks"]
    assert header == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Posible crisis: entregas · Acme & Co"},
    }
    assert summary["text"] == {
        "type": "mrkdwn",
        "text": "31 menciones &lt;en 1 h&gt; &amp; subiendo",
    }
    assert details["text"]["text"] == "• Términos: retraso, estafa\n• «No llega mi pedido» (@lucia)"
    stamp = int(datetime(2026, 11, 30, 9, 15, tzinfo=UTC).timestamp())
    assert context["type"] == "context"
    assert f"<!date^{stamp}^" in context["elements"][0]["text"]
    assert "|2026-11-30 09:15 UTC>" in context["elements"][0]["text"]
    [button] = actions["elements"]
    assert (
        button["type"] == "button" and button["url"] == "https://escucha.example/v1/incidents/inc-7"
    )
    assert button["text"]["text"] == "Abrir en escucha"


def test_slack_without_link_or_details_sends_no_empty_blocks():
    message = formats.slack_message(an_alert(link=None, details=(), language="en"))
    assert [b["type"] for b in message["blocks"]] == ["header", "section", "context"]
    not_web = formats.slack_message(an_alert(link="javascript:alert(1)"))
    assert "actions" not in [b["type"] for b in not_web["blocks"]]


def test_slack_text_stays_within_block_kit_limits_and_no_entity_is_cut():
    for pad in range(6):  # every position of the cut within "&amp;"
        alert = an_alert(title="T" * 400, summary="x" * pad + "&" * 3000, details=("<>" * 2000,))
        message = formats.slack_message(alert)
        header, summary, details, *_ = message["blocks"]
        assert len(header["text"]["text"]) <= 150
        for text in (summary["text"]["text"], details["text"]["text"], message["text"]):
            assert len(text) <= 3000 and text.endswith("…")
            assert re.fullmatch(r"([^&]|&(amp|lt|gt);)*…", text, re.DOTALL), text[-12:]


@pytest.mark.parametrize("kind", ["webhook", "slack"])
@pytest.mark.parametrize(
    ("reply", "error", "retry_at"),
    [
        (Reply(429, "slow down", {"Retry-After": "30"}), RateLimited, NOW + 30),
        (Reply(503, "busy", {"Retry-After": "120"}), TransientError, NOW + 120),
        (Reply(500, "rollup_error"), TransientError, None),
        (Reply(404, "no_service"), PermanentError, None),
        (Reply(410, "channel_is_archived"), PermanentError, None),
    ],
)
def test_http_answers_become_rate_limits_transient_or_permanent_errors(
    client, kind, reply, error, retry_at
):
    path = SLACK_PATH if kind == "slack" else "/hooks/escucha"
    with PlatformServer({path: lambda _: reply}) as server:
        if kind == "slack":
            destination: Slack | Webhook = Slack(url=server.url + path)
        else:
            destination = webhook_to(server)
        with pytest.raises(error) as caught:
            deliver(destination, an_alert(), client, now=NOW)
    failure = caught.value
    assert type(failure) is error  # a 500 is not reported as a rate limit, nor the reverse
    if isinstance(failure, TransientError):
        assert failure.retry_at == retry_at
    else:
        assert failure.status == reply.status
    port = server.url.rsplit(":", 1)[1]
    assert str(failure).startswith(f"{kind} 127.0.0.1:{port}: answered HTTP {reply.status}")
    assert reply.body in str(failure)  # the other side's reason, quoted
    assert SLACK_PATH not in told(failure) and "sl4ckS3cretPath" not in told(failure)


def test_slack_unreachable_is_transient_and_never_shows_the_url(client):
    destination = Slack(url=f"http://127.0.0.1:{free_port()}{SLACK_PATH}")
    with pytest.raises(TransientError, match=r"^slack 127\.0\.0\.1:\d+: ConnectError") as caught:
        deliver(destination, an_alert(), client, now=NOW)
    assert "sl4ckS3cretPath" not in told(caught.value)
    assert caught.value.__context__ is None and caught.value.__cause__ is None


# Telegram


def telegram_to(server_url: str) -> Telegram:
    return Telegram(bot_token=TOKEN, chat_id="-1001234567890", api_url=server_url)


def test_telegram_sends_html_and_returns_the_message_id(client):
    answer = {"ok": True, "result": {"message_id": 42, "chat": {"id": -1001234567890}}}
    with PlatformServer({TELEGRAM_PATH: lambda _: Reply(200, answer)}) as telegram:
        receipt = deliver(telegram_to(telegram.url), an_alert(), client, now=NOW)
    assert receipt == "message_id 42"
    [seen] = telegram.hits(TELEGRAM_PATH)
    sent = seen.json()
    assert sent["chat_id"] == "-1001234567890"
    assert sent["parse_mode"] == "HTML" and sent["disable_web_page_preview"] is True
    assert sent["text"].startswith("<b>Posible crisis: entregas · Acme &amp; Co</b>\n")
    assert "31 menciones &lt;en 1 h&gt; &amp; subiendo" in sent["text"]
    assert (
        '<a href="https://escucha.example/v1/incidents/inc-7">Abrir en escucha</a>' in sent["text"]
    )


@pytest.mark.parametrize(
    ("status", "answer", "error", "retry_at"),
    [
        (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 17",
                "parameters": {"retry_after": 17},
            },
            RateLimited,
            NOW + 17,
        ),
        (500, {"ok": False, "error_code": 500, "description": "Internal"}, TransientError, None),
        (
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
            PermanentError,
            None,
        ),
        (
            403,
            {"ok": False, "error_code": 403, "description": "Forbidden: bot was kicked"},
            PermanentError,
            None,
        ),
    ],
)
def test_telegram_refusals_are_classified_and_never_show_the_token(
    client, status, answer, error, retry_at
):
    with (
        PlatformServer({TELEGRAM_PATH: lambda _: Reply(status, answer)}) as telegram,
        pytest.raises(error) as caught,
    ):
        deliver(telegram_to(telegram.url), an_alert(), client, now=NOW)
    failure = caught.value
    assert type(failure) is error
    if isinstance(failure, TransientError):
        assert failure.retry_at == retry_at
    else:
        assert failure.status == status
    assert answer["description"] in str(failure)
    assert str(failure).startswith("telegram 127.0.0.1:")
    assert TOKEN not in told(failure) and "s3cr3t_b0t" not in told(failure)


def test_telegram_unreachable_is_transient_and_the_token_stays_out(client):
    destination = telegram_to(f"http://127.0.0.1:{free_port()}")  # nobody listens there
    with pytest.raises(TransientError) as caught:
        deliver(destination, an_alert(), client, now=NOW)
    failure = caught.value
    assert str(failure).startswith("telegram 127.0.0.1:") and "ConnectError" in str(failure)
    assert TOKEN not in told(failure) and "s3cr3t_b0t" not in told(failure)
    # Not chained: the httpx error (its request holds the URL) is not carried along.
    assert failure.__context__ is None and failure.__cause__ is None


def test_telegram_without_json_is_judged_by_status(client):
    gateway = Reply(502, "<html>Bad Gateway</html>")
    with (
        PlatformServer({TELEGRAM_PATH: lambda _: gateway}) as telegram,
        pytest.raises(TransientError, match="answered HTTP 502") as caught,
    ):
        deliver(telegram_to(telegram.url), an_alert(), client, now=NOW)
    assert TOKEN not in told(caught.value)


@pytest.mark.parametrize("kind", ["slack", "telegram"])
def test_an_answer_that_echoes_the_secret_path_is_quoted_redacted(client, kind):
    # Proxies and frameworks do this: "Cannot POST /bot<token>/sendMessage".
    path = SLACK_PATH if kind == "slack" else TELEGRAM_PATH
    echo = {path: lambda seen: Reply(404, f"Cannot POST {seen.path}")}
    with PlatformServer(echo) as server, pytest.raises(PermanentError) as caught:
        if kind == "slack":
            deliver(Slack(url=server.url + path), an_alert(), client, now=NOW)
        else:
            deliver(telegram_to(server.url), an_alert(), client, now=NOW)
    assert "Cannot POST" in str(caught.value) and "<secret>" in str(caught.value)
    assert "sl4ckS3cretPath" not in told(caught.value) and TOKEN not in told(caught.value)


class TagCheck(HTMLParser):
    """Fails on a tag Telegram would not take, or one left open."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        assert tag in ("b", "i", "a"), tag
        self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open.pop() == tag


@pytest.mark.parametrize("pad", range(6))  # every position of the cut within an entity
def test_a_long_telegram_text_is_cut_to_4096_and_stays_valid_html(pad):
    details = tuple("x" * pad + "&<>🙂" * 60 for _ in range(40))
    message = formats.telegram_message(an_alert(details=details), "42")
    text = message["text"]
    assert len(text.encode("utf-16-le")) // 2 <= 4096  # Telegram counts UTF-16 units
    assert "…" in text
    assert re.fullmatch(r"([^&]|&(amp|lt|gt|quot|#x27);)*", text, re.DOTALL), "broken entity"
    check = TagCheck()
    check.feed(text)
    check.close()
    assert check.open == []
    assert text.startswith("<b>") and text.endswith("Abrir en escucha</a>")
    short = formats.telegram_message(an_alert(), "42")["text"]
    assert "…" not in short


# E-mail


class Inbox:
    """An SMTP server's handler: keeps what it accepts; `answer` and `rcpt` decide replies."""

    def __init__(self, answer: str = "250 OK: queued as Q1", rcpt: str = "250 OK") -> None:
        self.answer, self.rcpt = answer, rcpt
        self.envelopes: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt

    async def handle_DATA(self, server, session, envelope):
        if self.answer.startswith("250"):
            self.envelopes.append(envelope)
        return self.answer


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


def email_to(port: int, **changes) -> Email:
    fields = {
        "to": ("guardia@acme.example", "jefa@acme.example"),
        "sender": "alertas@escucha.example",
        "host": "127.0.0.1",
        "port": port,
        "starttls": False,
    }
    return Email(**(fields | changes))


def test_an_email_is_delivered_as_text_and_html(client, smtp):
    inbox, port = smtp
    alert = an_alert(summary="31 menciones <script>x</script>")
    receipt = deliver(email_to(port), alert, client, now=NOW)
    assert receipt == "250 OK: queued as Q1"
    [envelope] = inbox.envelopes
    assert envelope.mail_from == "alertas@escucha.example"
    assert envelope.rcpt_tos == ["guardia@acme.example", "jefa@acme.example"]
    message = message_from_bytes(envelope.original_content, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == "[escucha] Posible crisis: entregas · Acme & Co"
    assert message["Message-ID"] == "<inc-7.42@escucha.alerts>"
    assert message["X-Escucha-Alert"] == "inc-7.42"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"].datetime == datetime.fromtimestamp(NOW, UTC)
    plain, rich = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and rich is not None
    text, page = plain.get_content(), rich.get_content()
    assert "31 menciones <script>x</script>" in text and "- Términos: retraso, estafa" in text
    assert "31 menciones &lt;script&gt;x&lt;/script&gt;" in page and "<script>" not in page
    assert '<a href="https://escucha.example/v1/incidents/inc-7">' in page


def test_the_message_id_is_the_same_on_a_retry(client, smtp):
    inbox, port = smtp
    deliver(email_to(port), an_alert(), client, now=NOW)
    deliver(email_to(port), an_alert(), client, now=NOW + 300)
    deliver(email_to(port), an_alert(id="x y<z>@w"), client, now=NOW)
    first, retry, odd = (message_from_bytes(e.original_content) for e in inbox.envelopes)
    assert first["Message-ID"] == retry["Message-ID"] == "<inc-7.42@escucha.alerts>"
    assert re.fullmatch(r"<[0-9a-f]{40}@escucha\.alerts>", odd["Message-ID"])


def test_a_line_break_in_a_title_cannot_write_headers():
    alert = an_alert(title="Crisis\r\nBcc: everyone@example.com")
    message = formats.email_message(alert, "a@escucha.example", ["b@acme.example"])
    assert message["Subject"] == "[escucha] Crisis Bcc: everyone@example.com"
    assert message["Bcc"] is None


@pytest.mark.parametrize(
    ("answer", "error"),
    [("451 4.3.0 try later", TransientError), ("550 5.1.1 no such user", PermanentError)],
)
def test_smtp_refusals_of_the_data_are_transient_or_permanent(client, smtp, answer, error):
    inbox, port = smtp
    inbox.answer = answer
    with pytest.raises(error) as caught:
        deliver(email_to(port), an_alert(), client, now=NOW)
    assert type(caught.value) is error
    assert str(caught.value).startswith(f"email 127.0.0.1:{port}: {answer}")
    if error is PermanentError:
        assert caught.value.status == 550


@pytest.mark.parametrize(
    ("rcpt", "error"),
    [("450 4.2.1 mailbox busy", TransientError), ("550 5.1.1 no such user", PermanentError)],
)
def test_refused_recipients_are_transient_or_permanent(client, smtp, rcpt, error):
    inbox, port = smtp
    inbox.rcpt = rcpt
    with pytest.raises(error, match="recipients refused") as caught:
        deliver(email_to(port), an_alert(), client, now=NOW)
    assert type(caught.value) is error and "guardia@acme.example" in str(caught.value)
    assert error is TransientError or caught.value.status == 550
    assert inbox.envelopes == []


def test_smtp_unreachable_is_transient(client):
    port = free_port()
    with pytest.raises(TransientError, match=f"^email 127.0.0.1:{port}: ConnectionRefused"):
        deliver(email_to(port), an_alert(), client, now=NOW)


def test_no_starttls_offered_means_nothing_is_sent_and_no_password_is_shown(client, smtp):
    inbox, port = smtp  # the test server offers no STARTTLS
    destination = email_to(port, starttls=True, username="alertas", password=PASSWORD)
    with pytest.raises(PermanentError, match="STARTTLS") as caught:
        deliver(destination, an_alert(), client, now=NOW)
    assert inbox.envelopes == []  # neither the mail nor the login went out in clear
    assert PASSWORD not in told(caught.value)


# destinations


def every_kind() -> list[tuple[Webhook | Slack | Email | Telegram, list[str]]]:
    secret = new_webhook_secret()
    return [
        (Webhook(url="https://acme.example/hooks", secret=secret), [secret, secret[6:]]),
        (Slack(url="https://hooks.slack.com" + SLACK_PATH), ["sl4ckS3cretPath", "T0001/B0001"]),
        (
            Email(
                to=("a@acme.example",),
                sender="s@escucha.example",
                host="smtp.acme.example",
                username="alertas",
                password=PASSWORD,
            ),
            [PASSWORD],
        ),
        (Telegram(bot_token=TOKEN, chat_id="@acme_alerts"), [TOKEN, "s3cr3t_b0t"]),
    ]


@pytest.mark.parametrize(("destination", "secrets"), every_kind())
def test_public_settings_and_repr_never_hold_a_secret(destination, secrets):
    shown = json.dumps(destination.public()) + repr(destination) + str(destination)
    for secret in secrets:
        assert secret not in shown
    assert destination.public()["kind"] == destination.kind
    stored = parse_destination(json.loads(destination.model_dump_json()))
    assert stored == destination  # what is sealed at rest comes back whole


def test_public_settings_show_what_identifies_each_destination():
    webhook, slack, email, telegram = (d for d, _ in every_kind())
    assert webhook.public() == {"kind": "webhook", "url": "https://acme.example/hooks"}
    assert slack.public() == {"kind": "slack", "host": "hooks.slack.com"}
    assert email.public()["to"] == ["a@acme.example"] and email.public()["username"] == "alertas"
    assert "password" not in email.public() and "bot_token" not in telegram.public()
    assert telegram.public()["chat_id"] == "@acme_alerts"


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"kind": "webhook", "url": "https://a.example", "secret": "hunter2"}, "whsec_<base64>"),
        ({"kind": "webhook", "url": "https://a.example", "secret": "whsec_c2hvcnQ="}, "24 to 64"),
        ({"kind": "webhook", "url": "https://a.example", "secret": "whsec_***"}, "not base64"),
        ({"kind": "webhook", "url": "ftp://a.example/x", "secret": None}, "http:// or https://"),
        ({"kind": "slack", "url": "ftp://hooks.slack.com/services/x"}, "http:// or https://"),
        ({"kind": "webhook", "url": "https://u:pw@a.example", "secret": None}, "user name"),
        ({"kind": "telegram", "bot_token": TOKEN, "chat_id": "1", "api_url": "file:///x"}, "http"),
        ({"kind": "telegram", "bot_token": "123/../x", "chat_id": "1"}, "pattern"),
        ({"kind": "email", "to": [], "sender": "s@x.example", "host": "h"}, "at least 1"),
        (
            {"kind": "email", "to": ["a\r\nBcc: b@x"], "sender": "s@x.example", "host": "h"},
            "e-mail",
        ),
        (
            {
                "kind": "email",
                "to": ["a@x.example"],
                "sender": "s@x.example",
                "host": "h",
                "starttls": False,
                "username": "u",
                "password": PASSWORD,
            },
            "password is never sent in clear",
        ),
        ({"kind": "pigeon", "url": "https://a.example"}, "does not match any of the expected"),
    ],
)
def test_bad_settings_are_refused_with_a_clear_reason(settings, reason):
    if settings.get("secret", "") is None:
        settings = settings | {"secret": new_webhook_secret()}
    with pytest.raises(ValidationError) as caught:
        parse_destination(settings)
    assert reason in why_invalid(caught.value)
    for value in (settings.get("secret"), settings.get("password"), settings.get("bot_token")):
        if value and len(value) > 4:
            assert value not in str(caught.value)  # the refusal does not echo the secret


# the alert itself


def test_an_alert_survives_its_json_column():
    alert = an_alert()
    stored = json.loads(json.dumps(alert.as_json()))
    assert Alert.from_payload(stored) == alert
    assert stored["occurred_at"] == "2026-11-30T09:15:00+00:00"


def test_an_alert_is_utc_and_its_own_fields_win_in_the_payload():
    madrid = datetime(2026, 11, 30, 10, 15, tzinfo=UTC).astimezone(ZoneInfo("Europe/Madrid"))
    alert = an_alert(occurred_at=madrid, data={"alert_id": "forged", "topic": "entregas"})
    assert alert.occurred_at.tzinfo is UTC and alert.occurred_at.hour == 10
    assert alert.payload()["data"]["alert_id"] == "inc-7.42"
    assert alert.payload()["data"]["topic"] == "entregas"
    with pytest.raises(ValueError, match="timezone-aware"):
        an_alert(occurred_at=datetime(2026, 11, 30, 9, 15))
    with pytest.raises(ValueError, match="language"):
        an_alert(language="fr")
    with pytest.raises(ValueError, match="lacks"):
        Alert.from_payload({"id": "x"})
    assert alert.occurred_at - an_alert().occurred_at == timedelta(hours=1)
