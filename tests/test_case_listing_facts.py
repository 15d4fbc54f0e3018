"""What the inbox reads from the store, on a migrated SQLite store: each case's priority
reasons and sentiment (`Cases.facts`), the filter lists (`Cases.choices`) and the listing's
language filter, always within one tenant."""

from datetime import UTC, datetime, timedelta

import pytest

from escucha.care.casebook import Casebook
from escucha.core.tenant import Tenant
from escucha.store.cases import CaseFacts, CaseFilter, Cases, Choices
from escucha.store.migrate import upgrade
from escucha.store.store import Store
from tests.factories import triaged

WROTE = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
ANGRY = "URGENTE el pedido llegó roto, una vergüenza, fatal"
CALM = "¿hacéis envíos a Canarias?"
ANGRY_EN = "my order arrived broken, this is a disgrace, awful service"
CALM_EN = "do you ship to the Canary Islands?"


@pytest.fixture
def store(sqlite_url):
    upgrade(sqlite_url)
    store = Store.from_url(sqlite_url)
    yield store
    store.dispose()


def write(store: Store, *said: tuple[int, str, str, str], at: datetime = WROTE,
          source: str = "x") -> dict[str, str]:  # fmt: skip
    """Store (n, tenant, author, text) mentions and project their cases; author → case id."""
    mentions = [triaged(n, config=Tenant(id=t, timezone="UTC", hours="24/7"), tenant=t,
                        author=a, text=x, source=source, created_at=at.isoformat())
                for n, t, a, x in said]  # fmt: skip
    store.save(mentions)
    cases = Cases(store.engine)
    tenant_of = {m.tenant: Tenant(id=m.tenant, timezone="UTC", hours="24/7") for m in mentions}
    ids = {m.author: m.triage.case_key for m in mentions}
    Casebook(cases, tenant_of.__getitem__).refresh(set(ids.values()), at + timedelta(seconds=5))
    return ids


def mentions_of(store: Store, tenant: str, case_id: str) -> list[tuple[list[str], str]]:
    """(reasons, sentiment) of each customer message stored on the case, oldest first."""
    history = Cases(store.engine).history(case_id)
    assert history is not None and history.case.tenant == tenant
    return [(list(m.reasons or []), m.sentiment) for m in history.mentions if m.inbound]


def test_facts_are_the_weightiest_messages_reasons_and_the_latest_messages_sentiment(store):
    first = write(store, (1, "a", "lucia", ANGRY))
    write(store, (2, "a", "lucia", CALM), at=WROTE + timedelta(minutes=10))
    case = first["lucia"]
    (angry_reasons, angry_mood), (_, calm_mood) = mentions_of(store, "a", case)
    assert angry_reasons and angry_mood == "negative" and calm_mood != "negative"
    facts = Cases(store.engine).facts("a", [case])
    assert facts == {case: CaseFacts(tuple(angry_reasons), calm_mood)}
    assert Cases(store.engine).facts("a", []) == {}


def test_a_merged_in_cases_messages_count_for_the_case_it_was_folded_into(store):
    cases = Cases(store.engine)
    parent = write(store, (1, "a", "calm", CALM))["calm"]
    child = write(store, (2, "a", "angry", ANGRY), at=WROTE + timedelta(minutes=5))["angry"]
    [(child_reasons, child_mood)] = mentions_of(store, "a", child)
    assert cases.facts("a", [parent])[parent].sentiment != "negative"
    cases.set_merged("a", child, parent, WROTE + timedelta(minutes=6))
    assert cases.facts("a", [parent]) == {parent: CaseFacts(tuple(child_reasons), child_mood)}


def test_another_tenants_cases_never_appear(store):
    ours = write(store, (1, "a", "lucia", CALM))
    theirs = write(store, (2, "b", "bob", ANGRY_EN), source="mastodon")
    cases = Cases(store.engine)
    assert cases.facts("a", [theirs["bob"]]) == {}
    assert set(cases.facts("a", [ours["lucia"], theirs["bob"]])) == {ours["lucia"]}
    assert set(cases.facts("b", [ours["lucia"], theirs["bob"]])) == {theirs["bob"]}
    assert cases.choices("a") == Choices(("x",), ("es",))
    assert cases.choices("b") == Choices(("mastodon",), ("en",))
    assert cases.choices("nobody") == Choices()
    english = cases.listing("a", CaseFilter(language="en"))
    assert english == []  # b's English case is not a's
    assert [c.id for c in cases.listing("b", CaseFilter(language="en"))] == [theirs["bob"]]


def test_choices_are_the_tenants_channels_and_languages_sorted(store):
    write(store, (1, "a", "lucia", CALM), (2, "a", "ann", CALM_EN))
    write(store, (3, "a", "marta", ANGRY), source="facebook")
    assert Cases(store.engine).choices("a") == Choices(("facebook", "x"), ("en", "es"))


def test_the_language_filter_applies_before_the_limit(store):
    spanish = write(store, *[(n, "a", f"c{n}", ANGRY) for n in range(1, 4)])
    english = write(store, (9, "a", "ann", CALM_EN))["ann"]
    write(store, (10, "b", "bob", ANGRY_EN))  # more urgent, but another tenant's
    cases = Cases(store.engine)
    first = cases.listing("a", CaseFilter(limit=len(spanish)))
    assert {c.id for c in first} == set(spanish.values())  # unfiltered, English is past the limit
    only = cases.listing("a", CaseFilter(language="en", limit=1))
    assert [(c.id, c.language) for c in only] == [(english, "en")]
    both = cases.listing("a", CaseFilter(language="es", limit=2))
    assert len(both) == 2 and {c.language for c in both} == {"es"}
    assert [c.id for c in both] == [c.id for c in first[:2]]  # still most urgent first
