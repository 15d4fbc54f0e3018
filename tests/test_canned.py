"""Canned responses: variables filled from the case and by the agent, a variant per language,
stored per tenant, and over the API drafted, tone-checked and sent like any reply."""

import pytest

from escucha.care.canned import MissingValues, first_name, known_values, render, variant
from escucha.core.canned_response import CannedResponse
from escucha.core.tenant import Tenant
from escucha.store.canned_responses import CannedResponses
from escucha.store.migrate import upgrade
from escucha.store.outbox import Outbox
from escucha.store.store import make_engine
from escucha.store.tenants import Tenants
from tests.care_api import complaint_api
from tests.security.conftest import KEY_A, KEY_B

RETRASO_ES = ("Hola {nombre}, sentimos mucho la espera con el pedido {pedido}. Hoy lo revisamos y "
              "te escribimos antes de las 18:00.")  # fmt: skip
RETRASO_EN = ("Hi {name}, we are sorry about the wait for order {order}. We are checking it "
              "today and will write to you before 6 pm.")  # fmt: skip


def test_variables_are_filled_by_either_name_and_a_missing_one_is_named():
    assert render("Hola {nombre}, tu pedido {pedido}", {"name": "Ana", "order": "4411"}) == (
        "Hola Ana, tu pedido 4411"
    )
    with pytest.raises(MissingValues) as missing:
        render("Hola {nombre}, {pedido} llega el {fecha}", {"nombre": "Ana", "pedido": " "})
    assert missing.value.names == ["pedido", "fecha"]
    assert render("sin variables {ni una}", {}) == "sin variables {ni una}"  # not a variable


def test_the_case_fills_a_first_name_a_reference_and_the_brand():
    said = ["mi pedido nº 4411 no llega", "y la factura #FAC-20931 tampoco"]
    assert known_values("Luis Gómez", said, "Tienda Sol") == {
        "marca": "Tienda Sol", "nombre": "Luis", "pedido": "FAC-20931"}  # fmt: skip
    assert known_values("ana.p", ["my order 778812 is late"], "")["pedido"] == "778812"
    assert first_name("7300000000000001") is None  # a Messenger id is no name
    assert first_name("@lucia_g") == "Lucia"
    assert "pedido" not in known_values("ana", ["llevo 3 días sin luz"], "")


@pytest.mark.parametrize(("said", "ref"), [
    ("pedido numero 4411", "4411"), ("order: 4411", "4411"), ("pedido A-1029", "A-1029"),
    ("mi pedido es el 4411", "4411"), ("pedido n.º 5521", "5521"), ("order #4411", "4411"),
    ("#CES2024 gran feria", None), ("the border 2023", None), ("reorder 5000 units", None),
    ("pedido 2024-03-15", None), ("pedido 150 euros", None), ("#100dias sin respuesta", None),
])  # fmt: skip
def test_a_reference_needs_its_word_and_is_not_a_hashtag_a_date_or_an_amount(said, ref):
    assert known_values("x", [said], "").get("pedido") == ref


def test_a_later_hashtag_does_not_replace_the_order_number_and_names_drop_the_instance():
    assert known_values("x", ["pedido 4411 roto", "#2024 sin respuesta"], "")["pedido"] == "4411"
    assert first_name("ana@mastodon.social") == "Ana"


def test_the_variant_in_the_customers_language_then_the_tenants():
    es = CannedResponse(name="retraso", language="es", text=RETRASO_ES)
    en = CannedResponse(name="retraso", language="en", text=RETRASO_EN)
    assert variant([en, es], ["es", "en"]) == es
    assert variant([en, es], ["pt", "en"]) == en
    assert variant([es], ["en"]) == es and variant([], ["es"]) is None


@pytest.mark.postgres
def test_stored_per_tenant_replaced_by_name_and_language(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    for tenant in ("a", "b"):
        Tenants(engine).put(Tenant(id=tenant))
    canned = CannedResponses(engine)
    assert canned.put("a", CannedResponse(name="retraso", language="es", text="uno")) is True
    assert canned.put("a", CannedResponse(name="retraso", language="es", text=RETRASO_ES)) is False
    canned.put("a", CannedResponse(name="retraso", language="en", text=RETRASO_EN))
    canned.put("b", CannedResponse(name="retraso", language="es", text="de b"))
    assert [(c.language, c.text) for c in canned.of_tenant("a", "retraso")] == [
        ("en", RETRASO_EN), ("es", RETRASO_ES)]  # fmt: skip
    assert canned.remove("b", "retraso", "en") == 0 and canned.remove("a", "retraso", "en") == 1
    assert [c.text for c in canned.of_tenant("b")] == ["de b"]
    engine.dispose()


@pytest.fixture
def api(redis_server, sqlite_url, tmp_path):
    text = "@aerosol mi pedido 4411 no llegó y nadie contesta, es la tercera vez"
    for api, case, reader, engine in complaint_api(redis_server.url, sqlite_url,
                                                   tmp_path / "data", text):  # fmt: skip
        yield api.client, case, reader, engine


def test_over_the_api_an_admin_writes_them_and_an_agent_drafts_and_sends_one(api):
    client, case, reader, engine = api
    put = client.put("/v1/canned/retraso/es", json={"text": RETRASO_ES}, headers=KEY_A)
    assert put.status_code == 201 and put.json()["variables"] == ["nombre", "pedido"]
    assert client.put("/v1/canned/retraso/en", json={"text": RETRASO_EN},
                      headers=KEY_A).status_code == 201  # fmt: skip
    assert (
        client.put("/v1/canned/retraso/es", json={"text": "x"}, headers=reader).status_code == 403
    )
    assert [c["language"] for c in client.get("/v1/canned", headers=reader).json()] == ["en", "es"]
    assert client.get("/v1/canned", headers=KEY_B).json() == []  # another tenant sees none

    drafted = client.post(f"/v1/cases/{case}/drafts", json={"canned": "retraso"}, headers=KEY_A)
    assert drafted.status_code == 200, drafted.text
    body = drafted.json()
    assert body["language"] == "es" and body["findings"] == []
    assert body["text"].startswith("Hola Lucia, sentimos mucho la espera con el pedido 4411.")

    sent = client.post(f"/v1/cases/{case}/replies", headers=KEY_A | {"Idempotency-Key": "c-1"},
                       json={"canned": "retraso", "values": {"pedido": "4411-B"}})  # fmt: skip
    assert sent.status_code == 202, sent.text
    assert "pedido 4411-B" in Outbox(engine).get("c-1").text  # the agent's value wins

    assert client.post(f"/v1/cases/{case}/drafts", json={"canned": "nada"},
                       headers=KEY_A).status_code == 404  # fmt: skip
    assert (
        client.post(
            f"/v1/cases/{case}/drafts", json={"canned": "retraso"}, headers=KEY_B
        ).status_code
        == 404
    )  # another tenant's case
    both = client.post(f"/v1/cases/{case}/replies", json={"text": "Hola", "canned": "retraso"},
                       headers=KEY_A)  # fmt: skip
    assert both.status_code == 422
    assert client.delete("/v1/canned/retraso/en", headers=KEY_A).status_code == 204
    assert client.delete("/v1/canned/retraso/en", headers=KEY_A).status_code == 404


def test_a_variable_the_case_cannot_fill_is_asked_for(api):
    client, case, _, _ = api
    client.put("/v1/canned/cita/es", json={"text": "Hola {nombre}, te llamamos el {fecha}."},
               headers=KEY_A)  # fmt: skip
    asked = client.post(f"/v1/cases/{case}/replies", json={"canned": "cita"}, headers=KEY_A)
    assert asked.status_code == 422 and asked.json()["detail"]["missing"] == ["fecha"]
