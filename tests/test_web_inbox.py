"""The inbox list over a real socket: cases in the API's urgency order with their priority
reasons, SLA clocks counting business time under a controlled clock (coloured at warning and
breach), filters, and the live stream of the agent's own tenant's events only."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine

from escucha.care.casebook import Casebook
from escucha.care.countdown import countdown
from escucha.core.sla_policy import SlaPolicy, Target, TargetSpec
from escucha.core.tenant import Tenant
from escucha.pipeline import events
from escucha.store.cases import CaseFilter, Cases
from escucha.store.store import Store, make_engine
from escucha.store.tenants import Tenants
from escucha.web import live
from tests.factories import triaged
from tests.security.conftest import KEY_A, make_api
from tests.web_site import ANA, BEA, log_in, with_logins

MADRID = ZoneInfo("Europe/Madrid")
POLICY = SlaPolicy(name="quejas", targets={Target.first_response: TargetSpec(minutes=120)})


def madrid(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=MADRID).astimezone(UTC)


FRIDAY_5PM = madrid(2026, 3, 6, 17, 0)  # an hour before closing; the weekend comes next
MONDAY = madrid(2026, 3, 9, 12, 0)


@pytest.fixture
def site(redis_server, redis_client, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url):
        engine = make_engine(sqlite_url)
        tenants = Tenants(engine)
        shop = tenants.get("a").model_dump(mode="json") | {
            "timezone": "Europe/Madrid", "hours": "mon-fri 09:00-18:00",
            "sla": [POLICY.model_dump(mode="json")]}  # fmt: skip
        tenants.put(Tenant.model_validate(shop))  # before the app first reads it
        with_logins(engine, ANA, BEA)
        yield api, engine
        engine.dispose()


def write(engine, when: datetime, *said: tuple[int, str, str, str]) -> dict[str, str]:
    """Store (n, tenant, author, text) mentions written at `when`, project their cases then;
    author → case id."""
    store = Store(engine)
    store.save([triaged(n, tenant=t, author=a, text=x, created_at=when.isoformat())
                for n, t, a, x in said])  # fmt: skip
    cases = {c.author: c.id for t in ("a", "b") for c in Cases(engine).listing(t, CaseFilter())}
    Casebook(Cases(engine), Tenants(engine).get).refresh(
        cases.values(), when + timedelta(seconds=5)
    )
    return cases


def shown(html: str) -> list[str]:
    return re.findall(r'<tr data-row data-case="([^"]+)"', html)


def sla_cell(html: str, case_id: str) -> str:
    row = re.search(rf'data-case="{re.escape(case_id)}">(.*?)</tr>', html, re.DOTALL)[1]
    return re.search(r'<td class="sla[^"]*".*?</td>', row, re.DOTALL)[0]


def test_the_clock_counts_business_time_left_and_turns_at_warning_and_breach(site):
    api, engine = site
    case = write(engine, FRIDAY_5PM, (1, "a", "lucia_g", "mi maleta no llegó, fatal"))["lucia_g"]

    def inbox() -> str:  # a session lasts 12 hours: log in at each moment
        log_in(api.client, "ana@tienda.es")
        return api.client.get("/inbox").text

    with time_machine.travel(FRIDAY_5PM + timedelta(minutes=30), tick=False) as clock:
        friday = sla_cell(inbox(), case)
        assert "quedan 1 h 30 min" in friday and "tiempo hábil" in friday
        assert 'class="sla on_track"' in friday and "cerrado ahora" not in friday

        clock.move_to(madrid(2026, 3, 7, 12, 0))  # Saturday: the night and the day do not count
        saturday = sla_cell(inbox(), case)
        assert "quedan 1 h 0 min" in saturday and "cerrado ahora" in saturday
        assert 'class="sla on_track"' in saturday  # the half-way warning waits for Monday

        clock.move_to(madrid(2026, 3, 9, 9, 30))  # Monday: 30 of the 120 minutes left
        monday = sla_cell(inbox(), case)
        assert "quedan 30 min" in monday and 'class="sla warning"' in monday

        clock.move_to(madrid(2026, 3, 9, 10, 15))  # due at 10:00, before any sweep wrote it
        late = sla_cell(inbox(), case)
        assert "15 min de retraso" in late and 'class="sla breached"' in late


def test_a_countdown_on_a_calendar_clock_counts_every_minute():
    shop = Tenant(id="a", timezone="Europe/Madrid", hours="mon-fri 09:00-18:00")
    due = madrid(2026, 3, 9, 9, 0)
    target = {"target": "resolution", "clock": "calendar", "minutes": 3000,
              "started_at": FRIDAY_5PM.isoformat(), "due_at": due.isoformat(), "met_at": None,
              "breached_at": None, "business_minutes_used": 0, "warn_at": [0.5],
              "warnings": [madrid(2026, 3, 8, 1, 0).isoformat()], "explanation": None}  # fmt: skip
    saturday = countdown(shop, [target], madrid(2026, 3, 7, 9, 0))
    assert saturday.seconds == 48 * 3600 and saturday.state == "on_track" and saturday.counting
    business = countdown(shop, [target | {"clock": "business"}], madrid(2026, 3, 7, 9, 0))
    assert business.seconds == 0 and not business.counting  # Monday 9:00 is opening time
    assert countdown(shop, [target | {"met_at": due.isoformat()}], due) is None


def test_rows_come_most_urgent_first_as_the_api_orders_them_with_their_reasons(site):
    api, engine = site
    with time_machine.travel(MONDAY, tick=False):
        early = write(engine, madrid(2026, 3, 9, 9, 0), (1, "a", "early", "hola, ¿abrís hoy?"))
        later = write(engine, madrid(2026, 3, 9, 10, 50), (2, "a", "later", "¿tenéis talla 42?"))
        urgent = write(engine, madrid(2026, 3, 9, 11, 50),
                       (3, "a", "angry", "URGENTE el pedido llegó roto, una vergüenza, fatal"),
                       (4, "a", "calm", "¿hacéis envíos a Canarias?"))  # fmt: skip
        Casebook(Cases(engine), Tenants(engine).get).refresh(
            [*early.values(), *later.values(), *urgent.values()], MONDAY
        )
        log_in(api.client, "ana@tienda.es")
        page = api.client.get("/inbox").text
        listed = [c["id"] for c in api.client.get("/v1/cases", headers=KEY_A).json()["cases"]]
    assert shown(page) == listed
    assert shown(page)[:2] == [early["early"], later["later"]]  # breached, then warning
    assert shown(page).index(urgent["angry"]) < shown(page).index(urgent["calm"])
    row = re.search(rf'data-case="{re.escape(urgent["angry"])}">(.*?)</tr>', page, re.DOTALL)[1]
    assert '<ul class="reasons">' in row and "(+" in row  # why it is urgent, in triage's words
    assert "Negativo" in row


def test_filters_narrow_the_list_and_the_rows_url_keeps_them(site):
    api, engine = site
    with time_machine.travel(MONDAY, tick=False):
        cases = write(engine, madrid(2026, 3, 9, 9, 0), (1, "a", "early", "hola, ¿abrís hoy?"),
                      (2, "a", "mine", "el pedido llegó roto"),
                      (3, "a", "fresh", "¿tenéis talla 42?"))  # fmt: skip
        Cases(engine).assign("a", cases["mine"], "ana", MONDAY)  # no refresh: no requeue
        log_in(api.client, "ana@tienda.es")
        everything = shown(api.client.get("/inbox").text)
        mine = api.client.get("/inbox", params={"assignee": "me"}).text
        nobodys = shown(api.client.get("/inbox/rows", params={"assignee": "none"}).text)
        x_only = shown(api.client.get("/inbox", params={"channel": "x"}).text)
        facebook = api.client.get("/inbox", params={"channel": "facebook"}).text
        english = shown(api.client.get("/inbox", params={"language": "en"}).text)
        resolved = shown(api.client.get("/inbox", params={"status": "resolved"}).text)
        refused = api.client.get("/inbox", params={"status": "lost"})
    assert sorted(everything) == sorted(cases.values())
    assert shown(mine) == [cases["mine"]]
    assert 'hx-get="/inbox/rows?assignee=me"' in mine and 'value="me" selected' in mine
    assert sorted(nobodys) == sorted([cases["early"], cases["fresh"]])
    assert sorted(x_only) == sorted(cases.values())
    assert shown(facebook) == [] and "Ningún caso coincide." in facebook
    assert english == [] and resolved == []
    assert refused.status_code == 422


def test_the_sla_filter_and_the_rows_partial(site):
    api, engine = site
    with time_machine.travel(MONDAY, tick=False):
        cases = write(engine, madrid(2026, 3, 9, 9, 0), (1, "a", "early", "hola, ¿abrís hoy?"))
        cases |= write(engine, madrid(2026, 3, 9, 11, 55), (2, "a", "fresh", "¿talla 42?"))
        Casebook(Cases(engine), Tenants(engine).get).refresh(cases.values(), MONDAY)
        log_in(api.client, "ana@tienda.es")
        rows = api.client.get("/inbox/rows", params={"sla": "breached"})
        warned = shown(api.client.get("/inbox/rows", params={"sla": "warning"}).text)
    assert rows.status_code == 200 and "<html" not in rows.text
    assert shown(rows.text) == [cases["early"]] and 'class="sla breached"' in rows.text
    assert warned == []


def test_without_a_session_the_stream_is_401_and_the_rows_send_htmx_to_the_login(site):
    api, _ = site
    assert api.client.get("/inbox/events").status_code == 401
    page = api.client.get("/inbox/rows", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login"
    htmx = api.client.get("/inbox/rows", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["hx-redirect"] == "/login"


@pytest.fixture
def quick_stream(monkeypatch):
    """The server (in this process) waits half a second per read, so quiet is seen quickly."""
    monkeypatch.setattr(live, "BLOCK_MS", 500)


def stream_lines(client: httpx.Client, headers: dict[str, str] | None = None
                 ) -> Iterator[Iterator[str]]:  # fmt: skip
    with client.stream("GET", "/inbox/events", headers=headers or {},
                       timeout=httpx.Timeout(5.0)) as answer:  # fmt: skip
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        lines = answer.iter_lines()
        assert next(line for line in lines if line.startswith(":")) == ": listening"
        yield lines


def next_event(lines: Iterator[str], keep_alives: int = 20) -> list[str] | None:
    """The next event's lines, or None once `keep_alives` quiet reads passed without one."""
    event: list[str] = []
    for line in lines:
        if line == ": keep-alive":
            keep_alives -= 1
            if keep_alives <= 0:
                return None
        elif line:
            event.append(line)
        elif event:
            return event
    return None


def test_the_stream_carries_the_agents_tenants_events_and_never_anothers(site, quick_stream):
    api, _ = site
    with httpx.Client(base_url=api.client.base_url, timeout=30) as other:
        log_in(api.client, "ana@tienda.es")
        log_in(other, "bea@otra.es")
        ana, bea = stream_lines(api.client), stream_lines(other)
        ana_lines, bea_lines = next(ana), next(bea)
        events.publish(api.redis, "a", "sla.breached", case_id="a:x:1")
        heard = next_event(ana_lines)
        assert heard is not None and "event: cases" in heard
        assert any(line.startswith("id: ") for line in heard)
        assert 'data: {"types": ["sla.breached"], "cases": ["a:x:1"]}' in heard
        assert next_event(bea_lines, keep_alives=2) is None  # two quiet reads: nothing of a's
        events.publish(api.redis, "b", "sla.warning", case_id="b:x:9")
        theirs = next_event(bea_lines)
        assert theirs is not None and "b:x:9" in " ".join(theirs)
        assert next_event(ana_lines, keep_alives=2) is None
        ana.close(), bea.close()


def test_a_reconnecting_browser_resumes_after_its_last_event_id(site, quick_stream):
    api, _ = site
    log_in(api.client, "ana@tienda.es")
    events.publish(api.redis, "a", "sla.warning", case_id="a:x:1")
    first = events.read(api.redis, "a")[-1]["event_id"]
    events.publish(api.redis, "a", "sla.breached", case_id="a:x:2")
    resumed = stream_lines(api.client, {"Last-Event-ID": first})
    heard = next_event(next(resumed))
    resumed.close()
    assert heard is not None and "a:x:2" in " ".join(heard) and "a:x:1" not in " ".join(heard)


def test_a_stream_ends_after_a_while_telling_the_browser_where_to_resume(site, monkeypatch):
    api, _ = site
    monkeypatch.setattr(live, "BLOCK_MS", 200)
    monkeypatch.setattr(live, "LIFETIME_S", 0.5)  # a shutting-down server must not wait on tabs
    log_in(api.client, "ana@tienda.es")
    events.publish(api.redis, "a", "sla.warning", case_id="a:x:1")
    newest = events.read(api.redis, "a")[-1]["event_id"]
    with api.client.stream("GET", "/inbox/events", timeout=httpx.Timeout(5.0)) as answer:
        lines = list(answer.iter_lines())  # ends by itself
    assert lines[:2] == ["retry: 3000", f"id: {newest}"] and ": keep-alive" in lines
