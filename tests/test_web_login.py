"""The web inbox's login over a real socket: Argon2id hashes, the session cookie's flags, CSRF
on every form, lockout after repeated failures, and pages that keep to the agent's tenant."""

import re

import httpx
import pytest
from sqlalchemy.orm import Session

from escucha.core.passwords import hash_password
from escucha.store.schema import AgentRow
from escucha.store.store import Store, make_engine
from escucha.store.web_logins import LOCK_AFTER, Logins
from tests.factories import triaged
from tests.security.conftest import make_api
from tests.web_site import ANA, BEA, PASSWORD, with_logins


@pytest.fixture
def site(redis_server, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url):
        engine = make_engine(sqlite_url)
        with_logins(engine, ANA, BEA)
        store = Store(engine)
        store.save(
            [
                triaged(1, tenant="a", author="lucia_g", text="mi maleta no llegó, fatal"),
                triaged(2, tenant="b", author="pepe_b", text="el pedido llegó roto"),
            ]
        )
        yield api, engine
        engine.dispose()


def login_page(client: httpx.Client) -> str:
    form = client.get("/login")
    assert form.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', form.text)[1]


def log_in(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    token = login_page(client)
    return client.post("/login", data={"email": email, "password": password, "csrf": token})


def test_an_agent_logs_in_with_a_session_cookie_that_scripts_cannot_read(site):
    api, engine = site
    client = api.client
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    answer = log_in(client, "ANA@tienda.es")
    assert answer.status_code == 303 and answer.headers["location"] == "/inbox"
    cookie = next(h for h in answer.headers.get_list("set-cookie") if "escucha_session" in h)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    inbox = client.get("/inbox")
    assert inbox.status_code == 200 and "lucia_g" in inbox.text and "pepe_b" not in inbox.text
    with Session(engine) as session:
        hashed = session.get(AgentRow, "ana").password_hash
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed


def test_behind_tls_the_cookie_is_secure(site):
    api, _ = site
    token = login_page(api.client)
    answer = api.client.post("/login", data={"email": "ana@tienda.es", "password": PASSWORD,
                             "csrf": token}, headers={"X-Forwarded-Proto": "https"})  # fmt: skip
    cookie = next(h for h in answer.headers.get_list("set-cookie") if "escucha_session" in h)
    assert "Secure" in cookie


def test_a_form_without_its_csrf_token_is_refused(site):
    api, _ = site
    client = api.client
    login_page(client)
    refused = client.post("/login", data={"email": "ana@tienda.es", "password": PASSWORD})
    assert refused.status_code == 403
    forged = client.post("/login", data={"email": "ana@tienda.es", "password": PASSWORD,
                                         "csrf": "guessed"})  # fmt: skip
    assert forged.status_code == 403
    assert log_in(client, "ana@tienda.es").status_code == 303
    assert client.post("/logout", data={}).status_code == 403  # a logged-in form, too
    assert client.get("/inbox").status_code == 200  # and the session is still there


def test_repeated_failures_lock_the_agent_out_even_with_the_right_password(site):
    api, _ = site
    client = api.client
    for _ in range(LOCK_AFTER):
        wrong = log_in(client, "ana@tienda.es", "no-es-la-buena")
        assert wrong.status_code == 401 and "incorrectos" in wrong.text
    locked = log_in(client, "ana@tienda.es")
    assert locked.status_code == 401 and "bloqueada" in locked.text
    unknown = log_in(client, "nadie@tienda.es")
    assert unknown.status_code == 401 and "incorrectos" in unknown.text  # nothing revealed


def test_an_agent_of_one_tenant_opening_anothers_case_by_url_gets_404(site):
    api, engine = site
    client = api.client
    log_in(client, "ana@tienda.es")
    store = Store(engine)
    mine, theirs = store.get("a:x:1").case_id, store.get("b:x:2").case_id
    own = client.get(f"/cases/{mine}")
    assert own.status_code == 200 and "mi maleta no llegó" in own.text
    assert client.get(f"/cases/{theirs}").status_code == 404


def test_logging_out_ends_the_session_and_a_new_password_ends_them_all(site):
    api, engine = site
    client = api.client
    log_in(client, "ana@tienda.es")
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/inbox").text)[1]
    assert client.post("/logout", data={"csrf": csrf}).status_code == 303
    assert client.get("/inbox", follow_redirects=False).headers["location"] == "/login"
    log_in(client, "ana@tienda.es")
    Logins(engine).set_password("a", "ana", hash_password("otra-contraseña-larga"))
    assert client.get("/inbox", follow_redirects=False).status_code == 303
