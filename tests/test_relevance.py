"""Relevance and each tenant's own settings in triage: pure functions, no broker."""

from escucha.core.tenant import Tenant
from tests.factories import QUOTE_LUGGAGE, triaged

SOL = Tenant(id="sol", brands=["Aerolíneas Sol", "@aerosol"], keywords=["equipaje"])


def relevant(text: str, tenant: Tenant = SOL, **fields) -> bool:
    return triaged(config=tenant, text=text, **fields).triage.relevant


def test_a_brand_or_keyword_makes_a_mention_relevant_in_any_spelling():
    assert relevant("Volé con AEROLINEAS   SOL y bien")  # case, accents, spacing
    assert relevant("gracias @AeroSol por todo")
    assert relevant("#aerosol otra vez tarde")  # a bare handle matches its hashtag too
    assert relevant("perdí dos equipajes")  # plurals
    assert relevant(QUOTE_LUGGAGE)  # "mi equipaje"


def test_a_name_inside_another_word_is_not_a_mention():
    assert not relevant("escribidme a soporte@aerosol.example")
    assert not relevant("el #aerosolfan de turno")
    assert not relevant("Aerolíneas Solaris me perdió la maleta")


def test_noise_is_stored_not_relevant_and_opens_no_case():
    text = "Me cancelaron el viaje y nadie responde. Quiero que me devuelvan el dinero"
    assert triaged(config=Tenant(id="blank"), text=text).triage.case_key  # work, were it ours
    mention = triaged(config=SOL, text=text)
    assert mention.triage.relevant is False and mention.triage.case_key is None
    assert mention.triage.reasons[0].startswith("not about the tenant")


def test_what_the_platform_sent_to_the_tenants_accounts_and_its_own_posts_are_relevant():
    assert relevant("me cancelaron el viaje sin avisar", addressed=True)
    assert relevant("Sentimos lo ocurrido, escríbenos por DM", inbound=False)


def test_a_tenant_that_names_nothing_listens_to_everything():
    assert relevant("me cancelaron el viaje sin avisar", Tenant(id="blank"))


def test_the_same_text_is_triaged_with_each_tenants_own_settings():
    text = "@acme me cancelaron el vuelo otra vez, con Iberia nunca me pasó"
    acme = Tenant(id="acme", brands=["@acme"], competitors=["Iberia"], influencer_followers=1_000)
    beta = Tenant(id="beta", brands=["Beta Air"], competitors=["Vueling"],
                  influencer_followers=1_000_000)  # fmt: skip
    for_acme = triaged(config=acme, text=text, tenant="acme", author_followers=5_000).triage
    for_beta = triaged(config=beta, text=text, tenant="beta", author_followers=5_000).triage
    assert for_acme.relevant and for_acme.case_key == "acme:x:cliente1"
    assert any(r.startswith("mentions competitor Iberia") for r in for_acme.reasons)
    assert any(r.startswith("influential author (5,000 followers)") for r in for_acme.reasons)
    assert not for_beta.relevant and for_beta.case_key is None
    assert not any("competitor" in r for r in for_beta.reasons)
    assert any(r.startswith("author reach (5,000 followers)") for r in for_beta.reasons)
    assert for_acme.priority > for_beta.priority
