"""Invites over a real socket: an admin invites an address with a role, the link is shown once
and kept only hashed, the invitee sets a name and password and is logged in with that role; a
used, expired, withdrawn or other tenant's invite lets nobody in."""

import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from escucha.core.passwords import hash_password, verify
from escucha.store.agents import AgentRecord, Agents
from escucha.store.invites import INVITE_FOR, InviteRow, Invites
from escucha.store.schema import AgentRow
from escucha.store.store import make_engine
from escucha.store.web_logins import Logins
from tests.security.conftest import make_api
from tests.web_site import ANA, BEA, PASSWORD, with_logins

NEW_PASSWORD = "otra-contraseña-muy-larga"


@pytest.fixture
def site(redis_server, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url):
        engine = make_engine(sqlite_url)
        with_logins(engine, replace(ANA, role="admin"), replace(BEA, role="admin"))
        yield api, engine
        engine.dispose()


def csrf_of(page: httpx.Response) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text)[1]


def client_of(api) -> httpx.Client:
    return httpx.Client(base_url=str(api.client.base_url), timeout=30)


def log_in(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    token = csrf_of(client.get("/login"))
    return client.post("/login", data={"email": email, "password": password, "csrf": token})


def invite(client: httpx.Client, email: str, role: str) -> str:
    """As a logged-in admin, invite `email`; the link's path."""
    csrf = csrf_of(client.get("/settings"))
    made = client.post("/settings/invites", data={"csrf": csrf, "email": email, "role": role})
    assert made.status_code == 200, made.text
    assert made.headers["cache-control"] == "no-store"
    link = re.search(r'<code id="invite-link">([^<]+)</code>', made.text)[1]
    assert link.startswith(str(client.base_url))
    return httpx.URL(link).path


def accept(client: httpx.Client, path: str, name: str = "Nuria", password: str = NEW_PASSWORD,
           again: str | None = None) -> httpx.Response:  # fmt: skip
    form = client.get(path)
    assert form.status_code == 200, form.text
    return client.post(path, data={"csrf": csrf_of(form), "name": name, "password": password,
                                   "again": again or password, "language": "en"})  # fmt: skip


def test_an_invite_lets_a_new_agent_set_a_password_and_log_in_with_the_invited_role(site):
    api, engine = site
    admin, newcomer = api.client, client_of(api)
    log_in(admin, "ana@tienda.es")
    path = invite(admin, "nuria@tienda.es", "read")
    token = path.rsplit("/", 1)[1]
    assert token not in admin.get("/settings").text  # shown once
    with Session(engine) as session:
        row = session.scalars(select(InviteRow)).one()
    assert row.digest == hashlib.sha256(token.encode()).hexdigest() and token not in row.digest
    assert (row.tenant, row.email, row.role, row.created_by) == ("a", "nuria@tienda.es", "read",
                                                                 "ana")  # fmt: skip
    joined = accept(newcomer, path)
    assert joined.status_code == 303 and joined.headers["location"] == "/inbox"
    inbox = newcomer.get("/inbox")
    assert inbox.status_code == 200 and "Nuria" in inbox.text and 'lang="en"' in inbox.text
    assert newcomer.get("/settings").status_code == 403  # a reader, not an admin
    with Session(engine) as session:
        agent = session.scalars(select(AgentRow).where(AgentRow.email == "nuria@tienda.es")).one()
    assert (agent.tenant, agent.role, agent.name) == ("a", "read", "Nuria")
    assert verify(agent.password_hash, NEW_PASSWORD) and agent.password_hash.startswith(
        "$argon2id$"
    )
    again = client_of(api)
    assert log_in(again, "nuria@tienda.es", NEW_PASSWORD).status_code == 303
    assert "Nuria" in admin.get("/settings").text
    newcomer.close()
    again.close()


def test_an_invite_works_once(site):
    api, engine = site
    log_in(api.client, "ana@tienda.es")
    path = invite(api.client, "nuria@tienda.es", "agent")
    first, second = client_of(api), client_of(api)
    form = second.get(path)  # opened before the first acceptance, posted after it
    assert accept(first, path).status_code == 303
    used = second.post(path, data={"csrf": csrf_of(form), "name": "Otra", "password": PASSWORD,
                                   "again": PASSWORD})  # fmt: skip
    assert used.status_code == 410 and "ya no sirve" in used.text
    assert second.get(path).status_code == 410
    assert second.get("/inbox", follow_redirects=False).status_code == 303  # not logged in
    with Session(engine) as session:
        named = session.scalars(select(AgentRow.name).where(AgentRow.tenant == "a")).all()
    assert sorted(named) == ["Ana", "Nuria"]
    first.close()
    second.close()


def test_an_expired_invite_is_refused(site):
    api, engine = site
    log_in(api.client, "ana@tienda.es")
    made = datetime.now(UTC)
    path = invite(api.client, "nuria@tienda.es", "agent")
    newcomer = client_of(api)
    # The form opened half an hour before the invite expires, posted a minute after.
    with time_machine.travel(made + INVITE_FOR - timedelta(minutes=30)):
        form = newcomer.get(path)
        assert form.status_code == 200
    with time_machine.travel(made + INVITE_FOR + timedelta(minutes=1)):
        late = newcomer.post(
            path,
            data={
                "csrf": csrf_of(form),
                "name": "Nuria",
                "password": NEW_PASSWORD,
                "again": NEW_PASSWORD,
            },
        )
        assert late.status_code == 410 and "ya no sirve" in late.text
        assert newcomer.get(path).status_code == 410
        assert Invites(engine).pending("a", datetime.now(UTC)) == []
    assert Logins(engine).with_email("nuria@tienda.es") == []
    newcomer.close()


def test_the_acceptance_form_needs_its_csrf_cookie_a_matching_long_password_and_a_name(site):
    api, engine = site
    log_in(api.client, "ana@tienda.es")
    path = invite(api.client, "nuria@tienda.es", "agent")
    newcomer = client_of(api)
    form = newcomer.get(path)
    good = {"csrf": csrf_of(form), "name": "Nuria", "password": NEW_PASSWORD,
            "again": NEW_PASSWORD}  # fmt: skip
    assert newcomer.post(path, data=good | {"csrf": "guessed"}).status_code == 403
    stranger = client_of(api)  # the token, but not the cookie the form set
    assert stranger.post(path, data=good).status_code == 403
    short = newcomer.post(path, data=good | {"password": "corta", "again": "corta"})
    assert short.status_code == 422 and "al menos estos caracteres" in short.text
    mismatch = newcomer.post(path, data=good | {"again": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 422 and "no coinciden" in mismatch.text
    nameless = newcomer.post(path, data=good | {"name": "  "})
    assert nameless.status_code == 422 and "Tu nombre" in nameless.text
    assert Logins(engine).with_email("nuria@tienda.es") == []  # nothing was made
    assert newcomer.post(path, data=good).status_code == 303  # the invite is still good
    newcomer.close()
    stranger.close()


def test_invites_keep_to_their_tenant(site):
    api, engine = site
    a, b = api.client, client_of(api)
    log_in(a, "ana@tienda.es")
    log_in(b, "bea@otra.es")
    path = invite(b, "nuria@otra.es", "admin")
    assert (
        "nuria@otra.es" in b.get("/settings").text
        and "nuria@otra.es" not in a.get("/settings").text
    )
    invite_id = re.search(r"/settings/invites/(inv_[0-9a-f]+)/withdraw", b.get("/settings").text)[1]
    csrf_a = csrf_of(a.get("/settings"))
    refused = a.post(f"/settings/invites/{invite_id}/withdraw", data={"csrf": csrf_a})
    assert refused.status_code == 404
    newcomer = client_of(api)
    assert accept(newcomer, path).status_code == 303
    # B's invite made an admin of B, who sees B's settings and none of A's.
    page = newcomer.get("/settings")
    assert page.status_code == 200 and "Bea" in page.text and "Ana" not in page.text
    with Session(engine) as session:
        made = session.scalars(select(AgentRow).where(AgentRow.email == "nuria@otra.es")).one()
    assert (made.tenant, made.role) == ("b", "admin")
    newcomer.close()
    b.close()


def test_a_withdrawn_invite_and_an_address_already_on_the_team_are_refused(site):
    api, _ = site
    log_in(api.client, "ana@tienda.es")
    csrf = csrf_of(api.client.get("/settings"))
    taken = api.client.post("/settings/invites", data={"csrf": csrf, "email": "ANA@tienda.es",
                                                       "role": "agent"})  # fmt: skip
    assert taken.status_code == 422 and "already an agent" in taken.text
    bad = api.client.post("/settings/invites", data={"csrf": csrf, "email": "no-address",
                                                     "role": "agent"})  # fmt: skip
    assert bad.status_code == 422 and "not an e-mail address" in bad.text
    path = invite(api.client, "nuria@tienda.es", "agent")
    invite_id = re.search(r'/settings/invites/(inv_[0-9a-f]+)/withdraw',
                          api.client.get("/settings").text)[1]  # fmt: skip
    withdrawn = api.client.post(f"/settings/invites/{invite_id}/withdraw", data={"csrf": csrf},
                                follow_redirects=False)  # fmt: skip
    assert withdrawn.status_code == 303
    newcomer = client_of(api)
    assert newcomer.get(path).status_code == 404
    newcomer.close()


def test_an_invited_address_gets_an_id_of_its_own_even_when_another_tenant_has_it(site):
    _, engine = site
    Agents(engine).add("b", AgentRecord("nuria", "Nuria B", "nuria@otra.es", ("es",), 5, None))
    invites = Invites(engine)
    now = datetime.now(UTC)
    _, token = invites.create("a", "nuria@tienda.es", "agent", "ana", now)
    _, agent_id = invites.accept(token, "Nuria A", hash_password(NEW_PASSWORD), ("es",), now)
    assert re.fullmatch(r"nuria-[0-9a-f]{6}", agent_id)
    assert Agents(engine).get("b", "nuria").name == "Nuria B"  # B's agent is untouched
    assert Agents(engine).get("a", agent_id).name == "Nuria A"


def test_the_invites_migration_upgrades_and_downgrades(sqlite_url):
    from sqlalchemy import inspect

    from escucha.store.migrate import downgrade, upgrade

    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    assert "invites" in inspect(engine).get_table_names()
    downgrade(sqlite_url, "0018")
    assert "invites" not in inspect(engine).get_table_names()
    assert "web_sessions" in inspect(engine).get_table_names()  # 0018's own stay
    upgrade(sqlite_url)
    columns = {c["name"] for c in inspect(engine).get_columns("invites")}
    assert {"tenant", "email", "role", "digest", "created_by", "expires_at",
            "accepted_at"} <= columns  # fmt: skip
    engine.dispose()
