"""`escucha cases`, `escucha case` and `escucha reply`, as an operator runs them."""

from datetime import UTC, datetime

from escucha.care.casebook import Casebook
from escucha.core.sealed import Sealer, new_key
from escucha.core.tenant import Tenant
from escucha.store.cases import Cases
from escucha.store.channel_credentials import ChannelCredentials
from escucha.store.migrate import upgrade
from escucha.store.outbox import Outbox
from escucha.store.store import Store
from escucha.store.tenants import Tenants
from tests.factories import triaged
from tests.test_tenants import run_group

SOL = Tenant(id="sol", timezone="Europe/Madrid", hours="mon-fri 09:00-14:00,16:30-19:30")
WROTE = datetime(2026, 12, 4, 18, 45, tzinfo=UTC)  # Friday 19:45 in Madrid, after closing
CAREFUL = ("Hola lucia_g, sentimos mucho la espera. Hoy revisamos tu pedido y te escribimos "
           "antes de las 18:00.")  # fmt: skip


def stored_case(data):
    url = f"sqlite:///{data / 'escucha.db'}"
    data.mkdir(parents=True)
    upgrade(url)
    store = Store.from_url(url)
    Tenants(store.engine).put(SOL)
    text = "@aerosol mi maleta no llegó y nadie contesta, es la tercera vez"
    complaint = triaged(1, config=SOL, tenant="sol", author="lucia_g", text=text,
                        created_at=WROTE.isoformat())  # fmt: skip
    store.save([complaint])
    Casebook(Cases(store.engine), lambda _: SOL).refresh([complaint.triage.case_key], WROTE)
    return store, complaint.triage.case_key


def test_cases_are_listed_with_their_clocks_explained_and_one_is_shown_whole(tmp_path):
    data = tmp_path / "data"
    store, case_id = stored_case(data)
    store.dispose()
    listed = run_group("cases", ["--tenant", "sol"], data)
    assert listed.returncode == 0, listed.stderr
    assert case_id in listed.stdout and "@lucia_g" in listed.stdout
    assert (
        "first_response: vence el lunes 7 a las 10:00: 60 min hábiles desde el viernes 4 a "
        "las 19:45; cerrado: sábado 5, domingo 6"
    ) in listed.stdout  # after the weekend
    assert "cerrado: sábado 5, domingo 6" in listed.stdout
    assert run_group("cases", ["--tenant", "other"], data).stdout.startswith("no cases")
    shown = run_group("case", [case_id], data)
    assert shown.returncode == 0 and "mi maleta no llegó" in shown.stdout
    assert run_group("case", ["sol:x:nobody"], data).returncode == 1


def test_a_reply_is_refused_with_findings_and_a_careful_one_is_queued(tmp_path):
    data = tmp_path / "data"
    store, case_id = stored_case(data)
    ChannelCredentials(store.engine, Sealer([new_key()])).connect("sol", "x", "777", "token")
    refused = run_group("reply", [case_id, "jajaja tranqui, yo lo miro"], data)
    assert refused.returncode == 2 and "informal:" in refused.stderr and "voice:" in refused.stderr
    assert Outbox(store.engine).of_case("sol", case_id) == []
    queued = run_group("reply", [case_id, CAREFUL], data)
    assert queued.returncode == 0 and "queued reply" in queued.stdout, queued.stderr
    (row,) = Outbox(store.engine).of_case("sol", case_id)
    assert (row.text, row.account, row.in_reply_to, row.status) == (CAREFUL, "x:777", "1",
                                                                    "pending")  # fmt: skip
    shown = run_group("case", [case_id], data).stdout
    assert f"reply {row.key} · pending" in shown
    store.dispose()


def test_a_canned_response_is_saved_then_sent_with_a_variable_the_agent_gives(tmp_path):
    data = tmp_path / "data"
    store, case_id = stored_case(data)
    ChannelCredentials(store.engine, Sealer([new_key()])).connect("sol", "x", "777", "token")
    text = ("Hola {nombre}, sentimos mucho la espera. Hoy revisamos tu pedido {pedido} y te "
            "escribimos antes de las 18:00.")  # fmt: skip
    added = run_group("canned", ["add", "retraso", text, "--tenant", "sol"], data)
    assert added.returncode == 0 and "{nombre}, {pedido}" in added.stdout, added.stderr
    assert "retraso" in run_group("canned", ["list", "--tenant", "sol"], data).stdout
    asked = run_group("reply", [case_id, "--canned", "retraso"], data)
    assert asked.returncode == 2 and "{pedido}" in asked.stderr  # the case gave no order number
    sent = run_group("reply", [case_id, "--canned", "retraso", "--var", "pedido=A-77"], data)
    assert sent.returncode == 0, sent.stderr
    (row,) = Outbox(store.engine).of_case("sol", case_id)
    assert row.text.startswith("Hola Lucia, sentimos mucho la espera. Hoy revisamos tu pedido A-77")
    assert run_group("canned", ["remove", "retraso", "--tenant", "sol"], data).returncode == 0
    store.dispose()
