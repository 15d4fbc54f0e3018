"""Contacts on SQLite and PostgreSQL: one person per tenant, merges that undo exactly,
automatic merges only on verified identifiers, the strictest consent of a group."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from escucha.store.contacts import ContactConflict, Contacts, UnknownContact, normal
from escucha.store.migrate import upgrade
from escucha.store.store import Store, make_engine
from tests.factories import triaged

NOW = datetime(2026, 11, 10, 12, tzinfo=UTC)


@pytest.fixture
def contacts(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    yield Contacts(engine)
    engine.dispose()


def test_an_identity_leads_to_one_contact_per_tenant(contacts):
    lucia = contacts.ensure("a", "x", "@Lucia_G", "Lucía", NOW)
    assert contacts.ensure("a", "x", "lucia_g", "Lucía G.", NOW) == lucia  # handles have no case
    theirs = contacts.ensure("b", "x", "lucia_g", "Lucía", NOW)
    assert theirs != lucia
    with pytest.raises(UnknownContact):
        contacts.view("a", theirs)  # another tenant's contact is simply not there
    with pytest.raises(UnknownContact):
        contacts.merge("a", lucia, theirs, NOW)


def test_a_verified_email_two_contacts_gave_merges_them_and_a_handle_never_does(contacts):
    on_x = contacts.ensure("a", "x", "lucia_g", "Lucía", NOW)
    on_ig = contacts.ensure("a", "instagram", "lucia_g", "Lucía", NOW)
    assert on_x != on_ig  # the same handle on two platforms may be two people
    contacts.add_identity("a", on_x, "email", "Lucia@Example.com", True, NOW)
    root = contacts.add_identity("a", on_ig, "email", "lucia@example.com ", True, NOW)
    assert root == on_x and contacts.view("a", on_ig).id == on_x
    other = contacts.ensure("a", "facebook", "lucia.garcia", "Lucía", NOW)
    with pytest.raises(ContactConflict):  # unverified: a person decides
        contacts.add_identity("a", other, "email", "lucia@example.com", False, NOW)
    assert contacts.view("a", other).id == other


def test_a_merge_is_undone_exactly_and_the_log_keeps_both(contacts):
    a = contacts.ensure("a", "x", "lucia_g", "Lucía", NOW)
    b = contacts.ensure("a", "mastodon", "lucia@mastodon.social", "Lucía", NOW)
    contacts.add_identity("a", b, "phone", "+34 600 11 22 33", False, NOW)
    contacts.merge("a", b, a, NOW, "agent:ana")
    merged = contacts.view("a", b)
    assert merged.id == a and set(merged.members) == {a, b}
    assert {(i.kind, i.value) for i in merged.identities} == {
        ("x", "lucia_g"),
        ("mastodon", "lucia@mastodon.social"),
        ("phone", "+34600112233"),
    }
    with pytest.raises(ContactConflict):
        contacts.merge("a", a, b, NOW)  # already one
    contacts.unmerge("a", b, NOW + timedelta(minutes=1), "agent:ana")
    assert contacts.view("a", a).members == (a,)
    assert {i.kind for i in contacts.view("a", b).identities} == {"mastodon", "phone"}
    kinds = [e.kind for e in contacts.events("a", [a, b])]
    assert kinds == ["merged", "unmerged"]


def test_a_groups_consent_is_the_strictest_of_its_members(contacts):
    a = contacts.ensure("a", "x", "lucia_g", "Lucía", NOW)
    b = contacts.ensure("a", "instagram", "lucia.ig", "Lucía", NOW)
    contacts.set_consent("a", a, NOW, crm=True, marketing=True)
    contacts.set_consent("a", b, NOW, crm=True, marketing=False)
    contacts.merge("a", b, a, NOW)
    group = contacts.view("a", a)
    assert (group.crm_opt_in, group.marketing_opt_in) == (True, False)
    contacts.unmerge("a", b, NOW)
    assert contacts.view("a", a).marketing_opt_in  # each gets back their own word
    contacts.merge("a", b, a, NOW)
    contacts.set_consent("a", b, NOW, crm=False)  # opting out of the group opts out all of it
    contacts.unmerge("a", b, NOW)
    assert not contacts.view("a", a).crm_opt_in and not contacts.view("a", b).crm_opt_in


def test_posts_are_read_by_person_a_merged_contact_being_one(contacts, database_url):
    store = Store.from_url(database_url)
    text = "Perdieron mi maleta, un desastre"
    store.save([triaged(1, tenant="a", author="lucia_g", text=text),
                triaged(2, tenant="a", author="otra", text=text)])  # fmt: skip
    store.dispose()
    since, until = NOW - timedelta(days=60), NOW + timedelta(days=60)
    before = {person for person, _ in contacts.posts("a", since, until)}
    assert before == {"x:lucia_g", "x:otra"}  # no contact yet: the identity stands for them
    lucia = contacts.ensure("a", "x", "lucia_g", "Lucía", NOW)
    other = contacts.ensure("a", "x", "otra", "Otra", NOW)
    contacts.merge("a", other, lucia, NOW)
    assert {person for person, _ in contacts.posts("a", since, until)} == {lucia}
    assert contacts.posts("b", since, until) == []


def test_identities_are_stored_in_one_form():
    assert normal("phone", " +34 (600) 11-22-33 ") == "+34600112233"
    assert normal("email", " Lucia@Example.COM") == "lucia@example.com"
    assert normal("x", "@Lucia_G") == "lucia_g"


def test_a_merge_that_would_chain_too_deep_is_refused_not_cut_short(contacts):
    from escucha.store.contacts import MAX_DEPTH

    ids = [contacts.ensure("a", "x", f"h{n}", f"H{n}", NOW) for n in range(MAX_DEPTH + 4)]
    merged = 0
    for below, above in itertools.pairwise(ids):
        try:
            contacts.merge("a", below, above, NOW)
            merged += 1
        except ContactConflict:
            break
    assert merged < len(ids) - 1  # refused at some depth instead of answering a wrong root
    view = contacts.view("a", ids[0])
    assert view.id == contacts.root("a", ids[merged]) and len(view.members) == merged + 1
