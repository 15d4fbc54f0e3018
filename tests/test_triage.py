import re

from config.settings import CONFIG_DIR
from escucha.care.triage import priority_label
from escucha.core.models import PriorityLabel
from escucha.core.tenant import Tenant, load_tenant
from tests.factories import QUOTE_LUGGAGE, QUOTE_SERVICE, triaged


def points(reasons):
    return sum(int(m) for r in reasons for m in re.findall(r"\(\+(\d+)\)", r))


def test_the_two_quotes_are_high_priority_complaints():
    for text in (QUOTE_SERVICE, QUOTE_LUGGAGE):
        mention = triaged(text=text)
        assert mention.analysis.complaint
        assert mention.triage.label in (PriorityLabel.high, PriorityLabel.urgent), mention.triage
        assert mention.triage.case_key == "default:x:cliente1"


def test_reasons_add_up_to_the_priority():
    for text in (QUOTE_SERVICE, QUOTE_LUGGAGE, "gracias, todo perfecto", "¿hay wifi a bordo?"):
        mention = triaged(text=text, author_followers=50_000)
        assert points(mention.triage.reasons) == mention.triage.priority


def test_influence_raises_priority():
    quiet = triaged(text="el vuelo llegó tarde", author_followers=10).triage.priority
    loud = triaged(text="el vuelo llegó tarde", author_followers=500_000).triage.priority
    assert loud > quiet


def test_praise_opens_no_case_and_is_low():
    mention = triaged(text="Muchas gracias, la tripulación fue encantadora 😍")
    assert mention.triage.case_key is None
    assert mention.triage.label is PriorityLabel.low


def test_competitor_named_in_a_complaint_is_a_reason():
    tenant = Tenant(competitors=["Iberia"])
    mention = triaged(config=tenant, text="Ojalá aprendáis de Iberia, pésimo servicio")
    assert any("Iberia" in r for r in mention.triage.reasons)


def test_labels_and_example_tenant():
    assert [priority_label(s) for s in (90, 55, 30, 5)] == ["urgent", "high", "normal", "low"]
    tenant = load_tenant(CONFIG_DIR / "tenant.example.toml")
    assert "Iberia" in tenant.competitors and tenant.brands
