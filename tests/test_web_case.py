"""The web inbox's case page over a real socket: the conversation and the contact card, the
tone check as the agent types, replies queued once through the outbox, assign, resolve and
merge; CSRF on every form, and another tenant's case is not there."""

import re
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.orm import Session

from escucha.care.casebook import on_redis
from escucha.core.canned_response import CannedResponse
from escucha.core.sealed import Sealer, new_key
from escucha.store.agents import AgentRecord, Agents
from escucha.store.canned_responses import CannedResponses
from escucha.store.cases import Cases
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.contacts import Contacts
from escucha.store.outbox import Outbox
from escucha.store.schema import CrmOutboxRow
from escucha.store.store import Store, make_engine
from escucha.store.tenants import Tenants
from tests.factories import triaged
from tests.security.conftest import make_api
from tests.web_site import ANA, BEA, log_in, with_logins

INFORMAL = "hola tío, ya lo miramos jaja"
CAREFUL = ("Hola lucia_g, sentimos mucho la espera. Hoy revisamos tu maleta y te escribimos antes "
           "de las 18:00.")  # fmt: skip
LUCIA, MARCOS, PEPE = "a:x:lucia_g", "a:x:marcos_p", "b:x:pepe_b"
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.fixture
def site(redis_server, sqlite_url):
    for api in make_api(redis_server.url, sqlite_url):
        engine = make_engine(sqlite_url)
        with_logins(engine, ANA, BEA)
        Agents(engine).add("a", AgentRecord("ben", "Ben", "ben@tienda.es", ("es",), 5, None))
        lucia = triaged(1, tenant="a", author="lucia_g", text="mi maleta no llegó, fatal",
                        created_at=datetime.now(UTC).isoformat())  # fmt: skip
        on_mastodon = triaged(3, tenant="a", source="mastodon", author="lucia@mastodon.social",
                              text="@aerosol mi maleta sigue sin llegar, fatal")  # fmt: skip
        store = Store(engine)
        store.save(
            [
                lucia,
                on_mastodon,
                triaged(2, tenant="b", author="pepe_b", text="el pedido llegó roto"),
                triaged(4, tenant="a", author="marcos_p", text="el pedido 4411 no llega"),
            ]
        )
        ChannelCredentials(engine, Sealer([new_key()])).connect("a", "x", "777", "token")
        yield api.client, engine, api.redis
        engine.dispose()


def opened(client: httpx.Client, case_id: str) -> tuple[str, str, str]:
    """The case page's HTML, its CSRF token and its reply form's idempotency key."""
    page = client.get(f"/cases/{case_id}")
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)[1]
    key = re.search(r'name="key" value="([^"]+)"', page.text)[1]
    return page.text, csrf, key


def test_the_page_shows_the_conversation_the_contact_card_and_labelled_fields(site):
    client, engine, _ = site
    contacts = Contacts(engine)
    contact = contacts.ensure("a", "x", "lucia_g", "Lucía García", NOW)
    contacts.add_identity("a", contact, "mastodon", "lucia@mastodon.social", False, NOW, "test")
    contacts.set_consent("a", contact, NOW, crm=True)
    with Session(engine) as session, session.begin():
        session.add(CrmOutboxRow(key="w-1", tenant="a", account="hubspot:4411",
                                 kind="contact.upsert", contact_id=contact, properties={},
                                 status="sent", attempts=1, next_attempt_at=NOW, crm_id="901",
                                 created_at=NOW))  # fmt: skip
    log_in(client, "ana@tienda.es")
    html, _, _ = opened(client, LUCIA)
    assert "mi maleta no llegó, fatal" in html and 'id="conversation"' in html
    card = html[html.index('id="contact-card"') :]
    assert "Lucía García" in card and "mastodon: lucia@mastodon.social" in card
    assert "mi maleta sigue sin llegar" in card  # her post on another channel, linked
    assert f'href="/cases/{"a%3Amastodon%3Alucia%40mastodon.social"}"' in card
    assert 'href="https://app.hubspot.com/contacts/4411/record/0-1/901"' in card
    wanted = ('id="reply-text"', 'name="text"', 'id="tone-findings"', 'id="send-reply"',
              'id="sla-state"', 'data-shortcut="reply"', 'data-shortcut="assign"',
              'data-shortcut="resolve"', 'hx-trigger="input changed delay:400ms"')  # fmt: skip
    for element in wanted:
        assert element in html, element
    fields = re.findall(r'<(?:textarea|select|input)(?![^>]*type="(?:hidden|submit)")[^>]*'
                        r'\bid="([^"]+)"', html)  # fmt: skip
    assert {"reply-text", "assignee", "merge-into"} <= set(fields)
    unlabelled = [f for f in fields if f'<label for="{f}"' not in html]
    assert not unlabelled
    assert "Responder" in html and "Contacto" in html  # the agent's language


def test_the_tone_check_finds_an_informal_reply_and_nothing_in_a_careful_one(site):
    client, _, _ = site
    log_in(client, "ana@tienda.es")
    _, csrf, _ = opened(client, LUCIA)
    informal = client.post(f"/cases/{LUCIA}/tone", data={"text": INFORMAL},
                           headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert informal.status_code == 200
    rules = set(re.findall(r'<li data-rule="([a-z_]+)"', informal.text))
    assert {"informal", "no_apology", "no_next_step"} <= rules
    careful = client.post(f"/cases/{LUCIA}/tone", data={"text": CAREFUL, "csrf": csrf})
    assert careful.status_code == 200 and "<li" not in careful.text
    assert "El tono está bien." in careful.text
    empty = client.post(f"/cases/{LUCIA}/tone", data={"text": " ", "csrf": csrf})
    assert "<li" not in empty.text and "mientras escribes" in empty.text


def test_a_reply_is_queued_once_however_often_its_form_is_sent_and_then_meets_the_sla(site):
    client, engine, redis_client = site
    log_in(client, "ana@tienda.es")
    _, csrf, key = opened(client, LUCIA)
    form = {"text": CAREFUL, "key": key, "csrf": csrf}
    for _ in range(2):  # a double click
        sent = client.post(f"/cases/{LUCIA}/reply", data=form, follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"] == f"/cases/{LUCIA}"
    rows = Outbox(engine).of_case("a", LUCIA)
    assert [(r.key, r.text, r.platform, r.status) for r in rows] == [
        (f"web-{key}", CAREFUL, "x", "pending")
    ]
    html, _, fresh = opened(client, LUCIA)
    assert fresh != key  # each render its own key: the next reply is a new one
    assert re.search(r'data-delivery="queued"', html) and "en cola" in html
    assert 'hx-trigger="every 2s"' in html  # the page follows the reply until it is sent
    outbox, now = Outbox(engine), datetime.now(UTC)
    outbox.sent(outbox.claim(f"web-{key}", now), "1900000000000000001", now)
    assert 'hx-trigger="every 2s"' in client.get(f"/cases/{LUCIA}/live").text  # not projected
    on_redis(engine, Tenants(engine).get, redis_client).refresh_one(LUCIA, now)  # the care worker
    live = client.get(f"/cases/{LUCIA}/live")
    assert live.status_code == 200 and 'data-delivery="sent"' in live.text
    first = re.search(r'<li data-target="first_response"\s+data-state="(\w+)"', live.text)
    assert first[1] == "met" and "cumplido el" in live.text
    assert 'data-state="breached"' not in live.text
    assert "hx-trigger" not in live.text  # nothing left to follow


def test_a_reply_with_findings_is_refused_until_confirmed(site):
    client, engine, _ = site
    log_in(client, "ana@tienda.es")
    _, csrf, key = opened(client, LUCIA)
    refused = client.post(f"/cases/{LUCIA}/reply", data={"text": INFORMAL, "key": key,
                                                         "csrf": csrf})  # fmt: skip
    assert refused.status_code == 422 and '<li data-rule="informal"' in refused.text
    assert 'id="reply-confirm"' in refused.text and INFORMAL in refused.text
    assert Outbox(engine).of_case("a", LUCIA) == []
    empty = client.post(f"/cases/{LUCIA}/reply", data={"text": "  ", "key": key, "csrf": csrf})
    assert empty.status_code == 422 and Outbox(engine).of_case("a", LUCIA) == []
    confirmed = client.post(
        f"/cases/{LUCIA}/reply",
        follow_redirects=False,
        data={"text": INFORMAL, "key": key, "csrf": csrf, "confirm": "1"},
    )
    assert confirmed.status_code == 303
    assert [r.text for r in Outbox(engine).of_case("a", LUCIA)] == [INFORMAL]


def test_a_canned_response_fills_the_reply_box_or_asks_for_what_it_lacks(site):
    client, engine, _ = site
    CannedResponses(engine).put("a", CannedResponse(
        name="retraso", language="es",
        text="Hola {nombre}, sentimos la espera. Te escribimos el {fecha} antes de las 18:00.",
    ))  # fmt: skip
    log_in(client, "ana@tienda.es")
    html, csrf, key = opened(client, LUCIA)
    assert '<option value="retraso">' in html
    form = {"canned": "retraso", "text": "", "key": key, "csrf": csrf}
    asking = client.post(f"/cases/{LUCIA}/draft", data=form)
    assert asking.status_code == 200 and 'name="value.fecha"' in asking.text
    assert f'value="{key}"' in asking.text  # the same reply: the same key
    filled = client.post(f"/cases/{LUCIA}/draft", data=form | {"value.fecha": "lunes"})
    text = re.search(r'<textarea id="reply-text"[^>]*>([^<]*)</textarea>', filled.text)[1]
    assert text == "Hola Lucia, sentimos la espera. Te escribimos el lunes antes de las 18:00."


def test_an_agent_assigns_resolves_reopens_and_merges(site):
    client, engine, _ = site
    cases = Cases(engine)
    log_in(client, "ana@tienda.es")
    _, csrf, _ = opened(client, LUCIA)
    assigned = client.post(f"/cases/{LUCIA}/assign", data={"assignee": "ben", "csrf": csrf},
                           follow_redirects=False)  # fmt: skip
    assert assigned.status_code == 303 and cases.get("a", LUCIA).assignee == "ben"
    log = [e for e in cases.events(LUCIA) if e.kind == "assignment"]
    assert (log[-1].actor, log[-1].data["agent"]) == ("agent:ana", "ben")
    client.post(f"/cases/{LUCIA}/assign", data={"assignee": "", "csrf": csrf})
    assert cases.get("a", LUCIA).assignee is None  # back to the queue
    assert (
        client.post(f"/cases/{LUCIA}/assign", data={"assignee": "bea", "csrf": csrf}).status_code
        == 404
    )  # not hers
    client.post(f"/cases/{LUCIA}/resolve", data={"csrf": csrf})
    assert cases.get("a", LUCIA).status == "resolved"
    html, _, _ = opened(client, LUCIA)
    assert 'action="/cases/a%3Ax%3Alucia_g/reopen"' in html
    assert 'data-shortcut="resolve"' not in html
    client.post(f"/cases/{LUCIA}/reopen", data={"csrf": csrf})
    assert cases.get("a", LUCIA).status == "open"
    merged = client.post(f"/cases/{MARCOS}/merge", data={"into": LUCIA, "csrf": csrf},
                         follow_redirects=False)  # fmt: skip
    assert merged.status_code == 303 and merged.headers["location"] == f"/cases/{LUCIA}"
    assert cases.get("a", MARCOS).merged_into == LUCIA
    assert "el pedido 4411 no llega" in opened(client, LUCIA)[0]  # one conversation now
    again = client.post(f"/cases/{MARCOS}/merge", data={"into": LUCIA, "csrf": csrf})
    assert again.status_code == 409 and "already merged" in again.text
    client.post(f"/cases/{MARCOS}/unmerge", data={"csrf": csrf})
    assert cases.get("a", MARCOS).merged_into is None


ACTIONS = {"tone": {"text": INFORMAL}, "draft": {"canned": "x"}, "reply": {"text": CAREFUL},
           "assign": {"assignee": "ana"}, "resolve": {}, "reopen": {},
           "merge": {"into": MARCOS}, "unmerge": {}}  # fmt: skip


def test_every_form_without_its_csrf_token_is_refused(site):
    client, engine, _ = site
    log_in(client, "ana@tienda.es")
    for action, form in ACTIONS.items():
        answer = client.post(f"/cases/{LUCIA}/{action}", data=form)
        assert answer.status_code == 403, action
        forged = client.post(f"/cases/{LUCIA}/{action}", data=form | {"csrf": "guessed"})
        assert forged.status_code == 403, action
    case = Cases(engine).get("a", LUCIA)
    assert (case.assignee, case.status, case.merged_into) == (None, "new", None)
    assert Outbox(engine).of_case("a", LUCIA) == []


def test_another_tenants_agent_finds_no_case_by_any_url(site):
    client, engine, _ = site
    log_in(client, "bea@otra.es")
    _, csrf, _ = opened(client, PEPE)  # her own is there
    assert client.get(f"/cases/{LUCIA}").status_code == 404
    assert client.get(f"/cases/{LUCIA}/live").status_code == 404
    for action, form in ACTIONS.items():
        answer = client.post(f"/cases/{LUCIA}/{action}", data=form | {"csrf": csrf})
        assert answer.status_code == 404, action
    merged = client.post(f"/cases/{PEPE}/merge", data={"into": LUCIA, "csrf": csrf})
    assert merged.status_code == 404  # nor into hers
    case = Cases(engine).get("a", LUCIA)
    assert (case.assignee, case.status, case.merged_into) == (None, "new", None)
    assert Cases(engine).get("b", PEPE).merged_into is None
    assert Outbox(engine).of_case("a", LUCIA) == []
