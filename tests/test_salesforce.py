"""The Salesforce client against a local org over a real socket: 200 records where one bad one
never blocks the other 199, a contact two records claim refused for a person to merge with
nothing written, a salesperson's LastName never overwritten, the sync key read back, SOQL
literals that no id can break out of, and API limits told apart from refusals."""

from collections.abc import Iterator

import httpx
import pytest

from escucha.channels.crm.salesforce import (
    ID_FIELD,
    NO_NAME,
    SYNC_FIELD,
    Org,
    soql_in,
    sync_keys,
    upsert_contacts,
    upsert_one,
)
from escucha.channels.crm.writes import Upsert
from escucha.core.errors import PermanentError, RateLimited
from tests.platform_servers import PlatformServer
from tests.salesforce_server import (
    COLLECTION,
    QUERY,
    RECORD,
    TOKEN,
    LocalSalesforce,
    parse_in_list,
)

Salesforce = tuple[LocalSalesforce, PlatformServer, Org, httpx.Client]


@pytest.fixture
def salesforce() -> Iterator[Salesforce]:
    crm = LocalSalesforce()
    with crm.server() as server, httpx.Client(timeout=5) as client:
        yield crm, server, Org(server.url, TOKEN), client


def upsert(n: int, email: str | None = None, **properties: str) -> Upsert:
    given = {"escucha_name": f"cliente_{n}", "escucha_crm_opt_in": "true",
             "escucha_marketing_opt_in": "false", "escucha_handles": f"x:cliente_{n}",
             "email": email or f"c{n}@example.com", **properties}  # fmt: skip
    return Upsert(f"case.resolved:c{n}:1", f"ct_{n:04d}", given)


def test_a_batch_of_200_with_one_invalid_email_writes_199_and_refuses_that_one(salesforce):
    crm, _, org, client = salesforce
    batch = [upsert(n, email="no-at-sign" if n == 37 else None, firstname="Ana")
             for n in range(200)]  # fmt: skip
    outcome = upsert_contacts(client, org, batch)
    assert len(outcome.written) == 199 and outcome.unanswered == ()
    assert list(outcome.refused) == ["case.resolved:c37:1"]
    reason = outcome.refused["case.resolved:c37:1"]
    assert reason.startswith("INVALID_EMAIL_ADDRESS") and "no-at-sign" in reason
    assert "REQUIRED_FIELD_MISSING" not in reason  # escucha's own first try is not the reason
    assert len(crm.contacts) == 199 and "ct_0037" not in crm.contacts
    assert set(crm.writes.values()) == {1}
    record = crm.record("ct_0001")
    assert outcome.written["case.resolved:c1:1"] == record["Id"]
    assert record[SYNC_FIELD] == "case.resolved:c1:1" and record["LastName"] == "cliente_1"
    assert record["Escucha_CRM_Opt_In__c"] is True
    assert record["Escucha_Marketing_Opt_In__c"] is False
    assert record["Email"] == "c1@example.com" and record["Escucha_Handles__c"] == "x:cliente_1"
    assert "firstname" not in record and "FirstName" not in record  # not in the map: not sent


def test_a_contact_two_records_claim_is_refused_for_a_person_and_neither_is_written(salesforce):
    crm, _, org, client = salesforce
    first = crm.add("ct_0001", LastName="Pérez")
    second = crm.add("ct_0001", LastName="Perez")
    outcome = upsert_contacts(client, org, [upsert(0), upsert(1), upsert(2)])
    assert sorted(outcome.written) == ["case.resolved:c0:1", "case.resolved:c2:1"]
    reason = outcome.refused["case.resolved:c1:1"]
    assert reason.startswith("MULTIPLE_MATCHES") and "a person must merge them" in reason
    assert f"{ID_FIELD}=ct_0001" in reason and first in reason and second in reason
    assert crm.writes["ct_0001"] == 0
    assert all(SYNC_FIELD not in r for r in crm.contacts["ct_0001"])


def test_one_record_two_contacts_claim_answers_300_and_is_refused_for_a_person(salesforce):
    crm, _, org, client = salesforce
    ids = [crm.add("ct_0001", LastName="Pérez"), crm.add("ct_0001", LastName="Perez")]
    outcome = upsert_one(client, org, upsert(1))
    reason = outcome.refused["case.resolved:c1:1"]
    assert reason.startswith(f"MULTIPLE_MATCHES: 2 Salesforce contacts have {ID_FIELD}=ct_0001")
    assert "a person must merge them" in reason and all(i in reason for i in ids)
    assert outcome.written == {} and crm.writes["ct_0001"] == 0
    assert [r["LastName"] for r in crm.contacts["ct_0001"]] == ["Pérez", "Perez"]


@pytest.mark.parametrize("update_status", [204, 200])
def test_one_record_is_created_then_updated_as_one_contact(salesforce, update_status):
    crm, server, org, client = salesforce
    crm.update_status = update_status
    created = upsert_one(client, org, upsert(5))
    record = crm.record("ct_0005")
    assert created.written == {"case.resolved:c5:1": record["Id"]}
    later = Upsert("consent:ct_0005:1", "ct_0005", {"escucha_crm_opt_in": "false",
                                                    "escucha_name": "otro_nombre"})  # fmt: skip
    updated = upsert_one(client, org, later)
    assert list(crm.contacts) == ["ct_0005"] and crm.writes["ct_0005"] == 2
    assert updated.written == {"consent:ct_0005:1": record["Id"] if update_status == 200 else ""}
    assert record[SYNC_FIELD] == "consent:ct_0005:1" and record["Escucha_CRM_Opt_In__c"] is False
    assert record["LastName"] == "cliente_5"  # named when created, never renamed after
    patches = [s for s in server.seen if s.path.startswith(RECORD)]
    assert len(patches) == 3  # created: once without LastName, refused, once with it
    assert all(ID_FIELD not in s.json() for s in patches)  # the external ID is in the URL


def test_a_salespersons_last_name_is_never_overwritten(salesforce):
    crm, server, org, client = salesforce
    crm.add("ct_0001", LastName="García", FirstName="María")
    outcome = upsert_contacts(client, org, [upsert(1)])
    assert crm.record("ct_0001")["LastName"] == "García" and len(outcome.written) == 1
    assert crm.record("ct_0001")["Escucha_Name__c"] == "cliente_1"
    assert len(server.hits(COLLECTION)) == 1  # only updates: one request
    nameless = Upsert("case.resolved:c2:1", "ct_0002", {"escucha_crm_opt_in": "true"})
    upsert_contacts(client, org, [upsert(3, escucha_name="x" * 120), nameless])
    assert crm.record("ct_0002")["LastName"] == NO_NAME
    assert crm.record("ct_0003")["LastName"] == "x" * 80  # LastName's length in every org


def test_sync_keys_read_back_the_row_that_last_wrote_each_contact(salesforce):
    crm, _, org, client = salesforce
    outcome = upsert_contacts(client, org, [upsert(n) for n in range(3)])
    crm.add("ct_0009", LastName="A")
    crm.add("ct_0009", LastName="B")
    found = sync_keys(client, org, ["ct_0000", "ct_0002", "ct_0009", "ct_0404"])
    assert found == {
        "ct_0000": (outcome.written["case.resolved:c0:1"], "case.resolved:c0:1"),
        "ct_0002": (outcome.written["case.resolved:c2:1"], "case.resolved:c2:1"),
    }  # two records for ct_0009: left out; its next write is refused for a person


def test_sync_keys_follow_next_records_url(salesforce):
    crm, server, org, client = salesforce
    crm.page_size = 2
    upsert_contacts(client, org, [upsert(n) for n in range(5)])
    found = sync_keys(client, org, [f"ct_{n:04d}" for n in range(5)])
    assert {c: key for c, (_, key) in found.items()} == {
        f"ct_{n:04d}": f"case.resolved:c{n}:1" for n in range(5)
    }
    assert len([s for s in server.seen if s.path.startswith(QUERY)]) == 3  # pages of 2, 2, 1


def test_no_id_can_break_out_of_its_soql_string(salesforce):
    crm, server, org, client = salesforce
    sly = "ct_o'hara\\') OR Name != ('"
    written = upsert_contacts(client, org, [Upsert("k1", sly, {}), upsert(1)]).written
    assert written["k1"] == crm.record(sly)["Id"]
    assert sync_keys(client, org, [sly]) == {sly: (written["k1"], "k1")}
    asked = server.seen[-1].query["q"]
    assert parse_in_list(asked) == [sly]  # one literal, the whole id, nothing after it
    assert sync_keys(client, org, ["x') OR Name != ('"]) == {}
    assert parse_in_list(soql_in(["a\nb", 'c"d', "e\\", "\t"])) == ["a\nb", 'c"d', "e\\", "\t"]


def test_a_batch_over_200_or_naming_a_contact_twice_is_never_sent(salesforce):
    _, server, org, client = salesforce
    with pytest.raises(ValueError, match="200"):
        upsert_contacts(client, org, [upsert(n) for n in range(201)])
    with pytest.raises(ValueError, match="twice"):
        upsert_contacts(client, org, [upsert(1), Upsert("other", "ct_0001", {})])
    assert server.seen == []


def test_a_bad_token_raises_the_permanent_error_with_salesforces_code(salesforce):
    crm, _, org, client = salesforce
    wrong = Org(org.url, "expired")
    for call in (lambda: upsert_contacts(client, wrong, [upsert(1)]),
                 lambda: upsert_one(client, wrong, upsert(1)),
                 lambda: sync_keys(client, wrong, ["ct_0001"])):  # fmt: skip
        with pytest.raises(PermanentError) as refused:
            call()
        assert refused.value.status == 401 and "INVALID_SESSION_ID" in str(refused.value)
    assert not crm.contacts


def test_the_orgs_api_limit_is_rate_limiting_not_a_refusal(salesforce):
    crm, _, org, client = salesforce
    crm.budget = 0
    for call in (lambda: upsert_contacts(client, org, [upsert(1)]),
                 lambda: upsert_one(client, org, upsert(1)),
                 lambda: sync_keys(client, org, ["ct_0001"])):  # fmt: skip
        with pytest.raises(RateLimited, match="REQUEST_LIMIT_EXCEEDED"):
            call()
    crm.budget = None
    assert len(upsert_contacts(client, org, [upsert(1)]).written) == 1


def test_a_limit_between_the_two_requests_keeps_the_first_ones_writes(salesforce):
    crm, _, org, client = salesforce
    crm.add("ct_0001", LastName="García")
    crm.budget = 1  # the first request goes through; naming the new contact does not
    outcome = upsert_contacts(client, org, [upsert(1), upsert(2)])
    assert outcome.written == {"case.resolved:c1:1": crm.record("ct_0001")["Id"]}
    assert outcome.unanswered == ("case.resolved:c2:1",) and outcome.refused == {}
    assert "ct_0002" not in crm.contacts


def test_a_locked_record_is_tried_again_later_not_refused(salesforce):
    crm, _, org, client = salesforce
    crm.add("ct_0001", LastName="García")
    crm.locked.add("ct_0001")
    outcome = upsert_contacts(client, org, [upsert(1), upsert(2)])
    assert outcome.unanswered == ("case.resolved:c1:1",) and outcome.refused == {}
    assert list(outcome.written) == ["case.resolved:c2:1"]
