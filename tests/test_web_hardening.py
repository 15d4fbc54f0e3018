"""The web inbox against what an attacker tries: markup in a customer's name or words, a
read-only agent acting, parallel password guesses past the lockout, a reply form's key sent
to another case."""

import re
import threading
from urllib.parse import quote

import httpx
import pytest

from escucha.core.sealed import Sealer, new_key
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.outbox import Outbox
from escucha.store.schema import AgentRow
from escucha.store.store import Store, make_engine
from escucha.store.web_logins import LOCK_AFTER
from tests.factories import triaged
from tests.security.conftest import make_api
from tests.web_site import ANA, Person, csrf_of, log_in, with_logins

EVIL = '<img src=x onerror="alert(1)">'


@pytest.fixture
def site(redis_server, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url):
        engine = make_engine(sqlite_url)
        with_logins(engine, ANA, Person("a", "rita", "rita@tienda.es", "read"))
        store = Store(engine)
        store.save([
            triaged(1, tenant="a", author=EVIL, text=f"mi maleta no llegó, fatal {EVIL}"),
            triaged(2, tenant="a", author="marcos_p", text="el pedido 4411 no llega, fatal"),
            triaged(3, tenant="a", author="lucia_g", text="perdieron mi maleta, vergonzoso"),
        ])  # fmt: skip
        yield api, engine
        engine.dispose()


def case_ids(client: httpx.Client) -> dict[str, str]:
    """Author → case id, as the inbox lists them."""
    rows = re.findall(r'data-case="([^"]+)"', client.get("/inbox").text)
    return {row.split(":", 2)[2]: row for row in rows}


def test_a_customers_markup_is_shown_as_text_on_every_page(site):
    api, _ = site
    log_in(api.client, "ana@tienda.es")
    inbox = api.client.get("/inbox").text
    assert EVIL not in inbox and "&lt;img src=x onerror=" in inbox
    page = api.client.get(f"/cases/{quote('a:x:' + EVIL, safe='')}")
    assert page.status_code == 200 and "&lt;img src=x" in page.text
    assert "<img" not in page.text.split("<main", 1)[1]
    other = api.client.get("/cases/a:x:marcos_p").text  # the merge list names every case
    assert "<img src=x" not in other and "&lt;img src=x" in other


def test_a_read_only_agent_looks_but_cannot_reply_or_change_a_case(site):
    api, engine = site
    csrf = log_in(api.client, "rita@tienda.es")
    page = api.client.get("/cases/a:x:marcos_p")
    assert page.status_code == 200
    key = re.search(r'name="key" value="([^"]+)"', page.text)[1]
    said = {"csrf": csrf, "key": key, "text": "Hola marcos_p, lo revisamos hoy.", "confirm": "1"}
    answer = api.client.post("/cases/a:x:marcos_p/reply", data=said)
    assert answer.status_code == 403 and Outbox(engine).of_case("a", "a:x:marcos_p") == []
    for action in ("assign", "resolve"):
        refused = api.client.post(f"/cases/a:x:marcos_p/{action}", data={"csrf": csrf})
        assert refused.status_code == 403, action


def test_parallel_wrong_passwords_check_no_more_than_the_lockout_allows(site):
    api, engine = site
    url = str(api.client.base_url)
    answers: list[int] = []

    def guess() -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            token = csrf_of(client.get("/login").text)
            answer = client.post("/login", data={"email": "ana@tienda.es", "csrf": token,
                                                 "password": "no-es-la-contraseña"})  # fmt: skip
            answers.append(answer.status_code)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [401] * 20
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        row = session.get(AgentRow, "ana")
        assert row.locked_until is not None  # locked after LOCK_AFTER real checks
    # The right password is refused too while locked: the guesses bought nothing.
    token = csrf_of(api.client.get("/login").text)
    locked = api.client.post("/login", data={"email": "ana@tienda.es", "csrf": token,
                                             "password": "una-contraseña-larga"})  # fmt: skip
    assert locked.status_code == 401


def test_a_reply_forms_key_sent_to_another_case_is_refused_not_dropped(site):
    api, engine = site
    ChannelCredentials(engine, Sealer([new_key()])).connect("a", "x", "777", "token")
    csrf = log_in(api.client, "ana@tienda.es")
    key = re.search(r'name="key" value="([^"]+)"', api.client.get("/cases/a:x:marcos_p").text)[1]
    text = "Hola marcos_p, sentimos mucho la espera. Hoy revisamos tu pedido y te escribimos."
    form = {"csrf": csrf, "key": key, "text": text, "confirm": "1"}
    first = api.client.post("/cases/a:x:marcos_p/reply", data=form)
    assert first.status_code == 303, first.text
    again = api.client.post("/cases/a:x:lucia_g/reply", data=form)
    assert again.status_code == 409, again.status_code  # said so, not "queued" and dropped
    outbox = Outbox(engine)
    assert (
        len(outbox.of_case("a", "a:x:marcos_p")) == 1 and outbox.of_case("a", "a:x:lucia_g") == []
    )


def test_no_more_password_checks_are_let_through_than_the_lockout_allows(site):
    _, engine = site
    from datetime import UTC, datetime

    from escucha.store.web_logins import Logins

    logins, now, allowed = Logins(engine), datetime.now(UTC), []

    def check() -> None:
        allowed.append(logins.attempt("ana", now))

    threads = [threading.Thread(target=check) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == LOCK_AFTER  # the rest never reach Argon2


def test_pages_are_never_framed_sniffed_or_cached(site):
    api, _ = site
    log_in(api.client, "ana@tienda.es")
    for path in ("/login", "/inbox", "/inbox/rows", "/cases/a:x:marcos_p"):
        answer = api.client.get(path)
        assert answer.headers["x-frame-options"] == "DENY", path
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["cache-control"] == "no-store", path
    script = api.client.get("/static/escucha.js")
    assert script.headers["x-frame-options"] == "DENY" and "no-store" not in script.headers.get(
        "cache-control", ""
    )


def test_an_invite_whose_agent_could_not_be_made_is_still_good(site, monkeypatch):
    _, engine = site
    from datetime import UTC, datetime

    from escucha.core.passwords import hash_password
    from escucha.store import invites as invites_module
    from escucha.store.invites import Invites

    invites, now = Invites(engine), datetime.now(UTC)
    _, token = invites.create("a", "nuria@tienda.es", "agent", "ana", now)

    def broken(self, tenant, agent):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(invites_module.Agents, "add", broken)
    with pytest.raises(RuntimeError):
        invites.accept(token, "Nuria", hash_password("otra-contraseña-larga"), ("es",), now)
    monkeypatch.undo()
    invite, agent_id = invites.accept(token, "Nuria", hash_password("otra-contraseña-larga"),
                                      ("es",), now)  # fmt: skip
    assert invite.email == "nuria@tienda.es" and agent_id.startswith("nuria")


def test_one_client_guessing_many_addresses_is_slowed_down(redis_server, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url, unverified_rate_limit_per_minute=5):
        api.redis.flushdb()  # earlier tests' unverified requests came from this address too
        answers = []
        for n in range(8):
            token = csrf_of(api.client.get("/login").text)
            answer = api.client.post("/login", data={"email": f"p{n}@tienda.es", "csrf": token,
                                                     "password": "adivina-adivina"})  # fmt: skip
            answers.append(answer.status_code)
        assert answers[:5] == [401] * 5 and 429 in answers[5:], answers
