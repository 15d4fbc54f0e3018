"""The weekly report by e-mail: which week is due when, in the tenant's zone across DST changes
and within a grace period, the message it makes (subject in the tenant's language, the
headline figures in HTML and plain text, the report attached as PDF), and the tick that mails
it once over a real SMTP server on SQLite and PostgreSQL: sent, dead-lettered on a 5xx with the
server's words, retried after a 4xx, and never taken by the alert sender."""

from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import time_machine
from aiosmtpd.controller import Controller
from pydantic import ValidationError

from config.settings import Report, Settings
from escucha.core.models import as_utc
from escucha.core.period import period
from escucha.core.sealed import Sealer, new_key
from escucha.core.tenant import Tenant, WeeklyReport
from escucha.insight.alerting import Alerting
from escucha.report.contents import build_report
from escucha.report.mailing import MONTHS, compose, days_span, message_id, weekly_message
from escucha.report.weekly import due_reports, due_week, send_moment
from escucha.report.weekly_mail import Counts, Smtp, enqueue_due, send_due, send_one
from escucha.store.alert_outbox import AlertOutbox, Delivery
from escucha.store.incidents import Incidents
from escucha.store.migrate import upgrade
from escucha.store.store import Store
from escucha.store.tenants import Tenants
from tests.api_server import free_port
from tests.factories import triaged

MADRID = Tenant(id="cafe", name="Café Sol", timezone="Europe/Madrid", brands=["@cafesol"],
                weekly_report=WeeklyReport(to=["ana@cafesol.es", "luis@cafesol.es"]))  # fmt: skip
SENDER = "escucha <informes@escucha.example>"


def due_now(tenant: Tenant = MADRID) -> str | None:
    """The week the tick would send for `tenant` at the travelled-to moment."""
    found = due_reports([tenant], datetime.now(UTC))
    return found[0].week if found else None


def at_local(text: str, zone: str = "Europe/Madrid") -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=Tenant(timezone=zone).zone)


def week_of(due: tuple[str, datetime] | None) -> str | None:
    return due[0] if due else None


# which week is due, and when


def test_due_at_the_local_hour_of_the_weekday_for_the_week_just_ended():
    with time_machine.travel(at_local("2026-11-30T07:59:59"), tick=False):
        assert due_now() is None  # Monday, a second before 08:00 in Madrid
    with time_machine.travel(at_local("2026-11-30T08:00"), tick=False):
        (found,) = due_reports([MADRID], datetime.now(UTC))
    assert (found.week, found.key) == ("2026-W48", "weekly-report:cafe:2026-W48")
    assert found.due_at == datetime(2026, 11, 30, 7, tzinfo=UTC)  # 08:00 CET is 07:00 UTC
    assert found.to == ("ana@cafesol.es", "luis@cafesol.es")


def test_the_weekday_and_hour_are_the_tenants_own():
    thursday = MADRID.model_copy(update={"weekly_report": WeeklyReport(to=["a@b.es"], weekday=3,
                                                                       hour=17)})  # fmt: skip
    with time_machine.travel(at_local("2026-12-03T16:30"), tick=False):
        assert due_now(thursday) is None
    with time_machine.travel(at_local("2026-12-03T17:05"), tick=False):
        assert due_now(thursday) == "2026-W48"  # Thursday, the week before: 23-29 November
    # The same UTC instant is not yet 17:00 in Mexico City: its report is not due there.
    mexico = thursday.model_copy(update={"timezone": "America/Mexico_City"})
    with time_machine.travel(at_local("2026-12-03T17:05"), tick=False):
        assert due_now(mexico) is None


def test_the_week_after_the_clocks_go_back_is_sent_at_eight_local_not_utc():
    # Madrid leaves summer time on Sunday 25 October 2026: Monday's 08:00 is 07:00 UTC, where
    # the week before it was 06:00 UTC.
    assert send_moment(MADRID.weekly_report, MADRID.zone, date(2026, 10, 19)) == datetime(
        2026, 10, 19, 6, tzinfo=UTC
    )
    with time_machine.travel(datetime(2026, 10, 26, 6, 30, tzinfo=UTC), tick=False):
        assert due_now() is None  # 07:30 in Madrid
    with time_machine.travel(datetime(2026, 10, 26, 7, tzinfo=UTC), tick=False):
        assert due_now() == "2026-W43"
    # The week reported is a local week: 19 to 25 October, one hour longer than 7 days.
    span = period("2026-W43", MADRID.zone)
    assert span.until - span.since == timedelta(days=7, hours=1)


def test_an_hour_the_clocks_skip_or_repeat_is_due_once_when_the_clock_reaches_it():
    at_two = WeeklyReport(to=["a@b.es"], weekday=6, hour=2)  # Sunday 02:00
    zone = MADRID.zone
    # 29 March 2026 goes from 02:00 straight to 03:00 CEST (01:00 UTC): due then.
    assert send_moment(at_two, zone, date(2026, 3, 29)) == datetime(2026, 3, 29, 1, tzinfo=UTC)
    assert due_week(at_two, zone, datetime(2026, 3, 29, 0, 59, tzinfo=UTC)) is None
    assert week_of(due_week(at_two, zone, datetime(2026, 3, 29, 1, tzinfo=UTC))) == "2026-W12"
    # 25 October 2026 has 02:00 twice: the first (00:00 UTC) is the moment; the second is
    # the same week, so the same outbox key.
    assert send_moment(at_two, zone, date(2026, 10, 25)) == datetime(2026, 10, 25, 0, tzinfo=UTC)
    assert week_of(due_week(at_two, zone, datetime(2026, 10, 25, 1, 30, tzinfo=UTC))) == "2026-W42"


def test_a_week_missed_while_beat_was_down_is_sent_within_the_grace_and_not_after():
    with time_machine.travel(at_local("2026-12-01T07:59"), tick=False):
        assert due_now() == "2026-W48"  # Tuesday: 23 h 59 min late, still sent
    with time_machine.travel(at_local("2026-12-01T08:00"), tick=False):
        assert due_now() is None  # a day late: it would land beside next week's
    with time_machine.travel(at_local("2026-12-06T23:00"), tick=False):
        assert due_now() is None  # nor later in the week


def test_the_grace_reaches_across_monday_midnight_into_the_next_iso_week():
    sunday_night = WeeklyReport(to=["a@b.es"], weekday=6, hour=23)
    late = datetime(2026, 12, 7, 21, tzinfo=UTC)  # Monday 22:00 in Madrid, week 50
    assert week_of(due_week(sunday_night, MADRID.zone, late)) == "2026-W48"
    assert due_week(sunday_night, MADRID.zone, late, grace=timedelta(hours=12)) is None


def test_the_last_iso_week_of_a_year_and_tenants_with_no_addresses():
    with time_machine.travel(at_local("2027-01-04T09:00"), tick=False):
        assert due_now() == "2026-W53"  # 28 December 2026 to 3 January 2027
        silent = MADRID.model_copy(update={"weekly_report": WeeklyReport()})
        assert due_reports([silent], datetime.now(UTC)) == []


def test_a_grace_of_a_week_or_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="grace"):
        due_week(MADRID.weekly_report, MADRID.zone, datetime.now(UTC), timedelta(days=7))
    with pytest.raises(ValueError, match="aware"):
        due_week(MADRID.weekly_report, MADRID.zone, datetime(2026, 11, 30, 8))


# the message


def seeded(url: str) -> Store:
    """A store with Café Sol and its week 48: five mentions (three angry), one the week after."""
    upgrade(url)
    store = Store.from_url(url)
    Tenants(store.engine).put(MADRID)
    said = [(n, "@cafesol el café llegó frío y nadie contesta, fatal", 24) for n in range(3)]
    said += [(10 + n, "Gracias @cafesol, el mejor desayuno del barrio 😍", 27) for n in range(2)]
    said.append((20, "@cafesol fuera de la semana", 30))  # Monday 30: next week's
    store.save([triaged(n, MADRID, tenant="cafe", author=f"c{n}", text=text,
                        created_at=datetime(2026, 11, day, 10, tzinfo=UTC).isoformat())
                for n, text, day in said])  # fmt: skip
    return store


@pytest.fixture
def store(sqlite_url):
    store = seeded(sqlite_url)
    yield store
    store.dispose()


def body(mail: EmailMessage, subtype: str) -> str:
    part = mail.get_body(preferencelist=(subtype,))
    assert part is not None, mail.as_string()[:500]
    return str(part.get_content())


def parsed(message: EmailMessage) -> EmailMessage:
    """The message as a mail client reads it off the wire."""
    read = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(read, EmailMessage)
    return read


def test_the_spanish_mail_has_the_summary_the_text_and_the_pdf(store):
    now = datetime(2026, 11, 30, 7, tzinfo=UTC)
    report = build_report(store.engine, MADRID, period("2026-W48", MADRID.zone), now)
    key = "weekly-report:cafe:2026-W48"
    mail = parsed(weekly_message(report, SENDER, MADRID.weekly_report.to, key, now))
    assert mail["Subject"] == "Informe semanal de Café Sol: 23–29 nov 2026"
    assert mail["To"] == "ana@cafesol.es, luis@cafesol.es"
    assert mail["From"] == SENDER
    assert mail["Message-ID"] == message_id(key) == "<weekly-report.cafe.2026-W48@escucha.reports>"
    assert mail["Content-Language"] == "es"
    text, page = body(mail, "plain"), body(mail, "html")
    assert "- Menciones: 5 (3 negativas)" in text  # Monday 30's mention is next week's
    assert "Tasa de respuesta" in text and "adjunto en PDF" in text
    assert "<b>5</b>" in page and "Tasa de respuesta" in page and 'lang="es"' in page
    (attached,) = list(mail.iter_attachments())
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_filename() == "informe-semanal-cafe-2026-W48.pdf"
    pdf = attached.get_content()
    assert pdf.startswith(b"%PDF-")
    # The charts are in the PDF, not in the body: the mail stays a summary plus one file.
    assert "data:image" not in page and len(mail.as_bytes()) < 2 * len(pdf) + 20_000


def test_the_english_mail_and_a_name_that_would_break_a_header(store):
    tenant = MADRID.model_copy(update={"languages": ["en"], "name": "Café\r\nBcc: x@evil.test"})
    now = datetime(2026, 12, 7, 7, tzinfo=UTC)
    report = build_report(store.engine, tenant, period("2026-W49", tenant.zone), now)
    mail = parsed(compose(report, b"%PDF-1.7 stand-in", SENDER, ["ana@cafesol.es"], "k:1", now))
    assert mail["Subject"] == "Weekly report for Café Bcc: x@evil.test: 30 Nov – 6 Dec 2026"
    assert mail["Bcc"] is None and mail["To"] == "ana@cafesol.es"
    text = body(mail, "plain")
    assert "- Mentions: 1 (" in text and "attached as a PDF" in text
    (attached,) = list(mail.iter_attachments())
    assert attached.get_filename() == "weekly-report-cafe-2026-W49.pdf"


def test_a_span_across_a_month_or_a_year_names_both_ends():
    es = MONTHS["es"]
    assert days_span(date(2026, 11, 23), date(2026, 11, 29), es) == "23–29 nov 2026"
    assert days_span(date(2026, 11, 30), date(2026, 12, 6), es) == "30 nov – 6 dic 2026"
    assert days_span(date(2026, 12, 28), date(2027, 1, 3), es) == "28 dic 2026 – 3 ene 2027"


# the tick: into the outbox, over SMTP, settled

KEY = "weekly-report:cafe:2026-W48"
PASSWORD = "hunter2-report-smtp"


class Inbox:
    """An SMTP server's handler: keeps what it accepts; `rcpt` and `answer` are its replies."""

    def __init__(self) -> None:
        self.rcpt, self.answer = "250 OK", "250 OK: queued as R1"
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
    yield inbox, Smtp(SENDER, "127.0.0.1", controller.port, starttls=False)
    controller.stop()


@pytest.fixture
def desk(database_url):
    store = seeded(database_url)
    yield store, AlertOutbox(store.engine)
    store.dispose()


def tick(store: Store, outbox: AlertOutbox, server: Smtp, now: datetime | None = None,
         **options) -> tuple[int, Counts]:  # fmt: skip
    """What beat's tick does at `now` (the travelled-to moment): write down, then send."""
    now = now or datetime.now(UTC)
    tenants = Tenants(store.engine)
    added = enqueue_due(outbox, tenants.all(), now)
    return added, send_due(outbox, store.engine, tenants.get, server, now, **options)


@pytest.mark.postgres
def test_the_report_is_mailed_once_with_its_pdf_however_often_the_tick_runs(desk, smtp):
    store, outbox = desk
    inbox, server = smtp
    with time_machine.travel(at_local("2026-11-30T07:55"), tick=False):
        assert tick(store, outbox, server) == (0, Counts())  # not yet due
    with time_machine.travel(at_local("2026-11-30T08:05"), tick=False):
        assert tick(store, outbox, server) == (1, Counts(sent=1))
    with time_machine.travel(at_local("2026-11-30T08:50"), tick=False):
        assert tick(store, outbox, server) == (0, Counts())  # the key is there, and sent
    (envelope,) = inbox.envelopes
    assert envelope.mail_from == "informes@escucha.example"
    assert envelope.rcpt_tos == ["ana@cafesol.es", "luis@cafesol.es"]
    mail = message_from_bytes(envelope.original_content, policy=policy.default)
    assert mail["Subject"] == "Informe semanal de Café Sol: 23–29 nov 2026"
    assert mail["Message-ID"] == message_id(KEY)
    assert "- Menciones: 5 (3 negativas)" in body(mail, "plain")  # the stored week, no more
    (attached,) = list(mail.iter_attachments())
    assert attached.get_filename() == "informe-semanal-cafe-2026-W48.pdf"
    assert attached.get_content().startswith(b"%PDF-")
    row = outbox.get(KEY)
    assert row is not None and (row.status, row.attempts) == ("sent", 1)
    assert row.receipt == "250 OK: queued as R1" and row.event == "mail.weekly_report"
    # What to send, never how: no server, no login in the row.
    assert row.alert == {"week": "2026-W48", "to": ["ana@cafesol.es", "luis@cafesol.es"],
                         "due_at": "2026-11-30T07:00:00+00:00"}  # fmt: skip


@pytest.mark.postgres
@pytest.mark.parametrize("refused", ["rcpt", "answer"])
def test_a_5xx_dead_letters_the_report_with_the_servers_reason(desk, smtp, refused):
    store, outbox = desk
    inbox, server = smtp
    setattr(inbox, refused, "550 5.1.1 no such user here")
    with time_machine.travel(at_local("2026-11-30T08:05"), tick=False):
        assert tick(store, outbox, server) == (1, Counts(dead=1))
    with time_machine.travel(at_local("2026-11-30T08:35"), tick=False):
        assert tick(store, outbox, server) == (0, Counts())  # dead is final: not tried again
    row = outbox.get(KEY)
    assert row is not None and (row.status, row.attempts) == ("dead", 1)
    assert "550 5.1.1 no such user here" in str(row.last_error)
    assert inbox.envelopes == []


@pytest.mark.postgres
def test_a_4xx_is_tried_again_after_the_backoff_and_then_sent(desk, smtp):
    store, outbox = desk
    inbox, server = smtp
    inbox.answer = "451 4.3.0 mailbox busy, try later"
    first = at_local("2026-11-30T08:05").astimezone(UTC)
    full = {"jitter": lambda: 1.0}  # the whole first backoff: 30 s
    with time_machine.travel(first, tick=False):
        assert tick(store, outbox, server, **full) == (1, Counts(retried=1))
    row = outbox.get(KEY)
    assert row is not None and (row.status, row.attempts) == ("pending", 1)
    # 30 s from the attempt, which began once the report was drawn (a few seconds of PDF).
    waited = as_utc(row.next_attempt_at) - first
    assert timedelta(seconds=30) <= waited < timedelta(seconds=40)
    assert "451 4.3.0 mailbox busy, try later" in str(row.last_error)
    inbox.answer = "250 OK: queued as R2"
    with time_machine.travel(first + timedelta(seconds=20), tick=False):
        assert tick(store, outbox, server, **full) == (0, Counts())  # not before its time
    with time_machine.travel(first + timedelta(seconds=45), tick=False):
        assert tick(store, outbox, server, **full) == (0, Counts(sent=1))
    assert len(inbox.envelopes) == 1
    row = outbox.get(KEY)
    assert row is not None and (row.status, row.attempts, row.receipt) == (
        "sent", 2, "250 OK: queued as R2")  # fmt: skip


@pytest.mark.postgres
def test_the_alert_sender_never_takes_a_report_and_the_report_sender_no_alert(desk, redis_client):
    store, outbox = desk
    now = at_local("2026-11-30T08:05").astimezone(UTC)
    assert enqueue_due(outbox, Tenants(store.engine).all(), now) == 1
    alerting = Alerting(outbox, Incidents(store.engine), Sealer([new_key()]),
                        Tenants(store.engine).get)  # fmt: skip
    assert outbox.due(now) == [] and alerting.tick(redis_client, now) == []
    assert outbox.due(now, mail=True) == [KEY]
    # An alert's key handed to the report sender is left to the alert sender, untouched.
    outbox.add(Delivery("alert-1:dst_1", "cafe", "dst_1", "incident.opened", {}), now)
    unreachable = Smtp(SENDER, "127.0.0.1", free_port(), starttls=False)
    assert send_one(outbox, store.engine, Tenants(store.engine).get, unreachable,
                    "alert-1:dst_1", now) is None  # fmt: skip
    row = outbox.get("alert-1:dst_1")
    assert row is not None and (row.status, row.attempts) == ("pending", 0)
    assert outbox.due(now) == ["alert-1:dst_1"] and outbox.due(now, mail=True) == [KEY]


def test_the_login_is_never_in_a_row_nor_a_log(store, smtp, capsys):
    inbox, server = smtp  # the test server offers no STARTTLS: the login must not go out
    guarded = Smtp(SENDER, server.host, server.port, True, "informes", PASSWORD)
    outbox = AlertOutbox(store.engine)
    with time_machine.travel(at_local("2026-11-30T08:05"), tick=False):
        assert tick(store, outbox, guarded) == (1, Counts(dead=1))
    row = outbox.get(KEY)
    assert row is not None and "STARTTLS" in str(row.last_error)
    said = capsys.readouterr()
    for seen in (str(row.alert), str(row.last_error), repr(guarded), said.out, said.err):
        assert PASSWORD not in seen
    assert inbox.envelopes == []


def test_report_mail_settings_are_checked_when_read():
    with pytest.raises(ValueError, match="starttls"):
        Smtp(SENDER, "smtp.example.com", 25, False, "informes", PASSWORD)
    with pytest.raises(ValidationError, match="ESCUCHA_REPORT_FROM"):
        Report(report_smtp_host="smtp.example.com")
    with pytest.raises(ValidationError, match="both"):
        Report(report_from=SENDER, report_smtp_host="smtp.example.com", report_smtp_user="x")
    settings = Settings(report_from=SENDER, report_smtp_host="smtp.example.com",
                        report_smtp_user="informes", report_smtp_password=PASSWORD)  # fmt: skip
    assert PASSWORD not in repr(settings) and settings.report.report_tick_s == 300


def test_beat_ticks_the_reports_and_their_sending_goes_with_the_work():
    from config.settings import get_settings
    from escucha.pipeline.stages import JOBS, MONITOR, queue_name
    from tasks.report import smtp as smtp_of
    from workers import beat
    from workers.app import app

    entry = beat.schedule(get_settings())["weekly-reports-due"]
    assert (entry["task"], entry["schedule"]) == ("escucha.report.due", 300)
    route = app.amqp.router.route
    assert route({}, "escucha.report.due")["queue"].name == queue_name(MONITOR)
    assert route({}, "escucha.report.send")["queue"].name == queue_name(JOBS)
    assert smtp_of(Report()) is None  # no server set up: the tick writes nothing down
    made = smtp_of(Report(report_from=SENDER, report_smtp_host="smtp.example.com",
                          report_smtp_user="informes", report_smtp_password=PASSWORD))  # fmt: skip
    assert made is not None and made.password == PASSWORD and made.port == 587
