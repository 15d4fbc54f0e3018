"""Who takes a case, and which customer messages start nothing: pure decisions."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escucha.care.assignment import Agent, AgentLoad, choose
from escucha.core.tenant import Tenant
from escucha.nlp.pleasantries import is_pleasantry

MADRID = ZoneInfo("Europe/Madrid")
SHOP = Tenant(id="shop", timezone="Europe/Madrid", hours="mon-fri 09:00-19:00")
MONDAY_10 = datetime(2026, 11, 30, 10, tzinfo=MADRID)


def load(agent, open_cases=0, seen=MONDAY_10, assigned=None):
    return AgentLoad(agent, open_cases, seen, assigned)


ANA = Agent(id="ana", name="Ana", languages=("es",), capacity=4)
BEN = Agent(id="ben", name="Ben", languages=("en", "es"), capacity=2)
EVA = Agent(id="eva", name="Eva", languages=("es",), capacity=4, shift="mon-fri 15:00-23:00")


def test_the_least_loaded_on_shift_speaker_gets_the_case_with_the_reason():
    decision = choose(SHOP, [load(ANA, 2), load(BEN, 0), load(EVA, 0)], "es", MONDAY_10)
    assert decision.agent == "ben" and "least loaded (0/2" in decision.reason  # Eva is off shift
    assert choose(SHOP, [load(ANA, 1), load(BEN, 1)], "es", MONDAY_10).agent == "ana"  # 1/4 < 1/2
    assert choose(SHOP, [load(ANA, 2), load(BEN, 0)], "en", MONDAY_10).agent == "ben"


def test_ties_go_to_the_agent_idle_longest():
    other = ANA.model_copy(update={"id": "ana2", "name": "Ana Dos"})
    loads = [load(ANA, 1, assigned=MONDAY_10 - timedelta(minutes=5)),
             load(other, 1, assigned=MONDAY_10 - timedelta(hours=1))]  # fmt: skip
    assert choose(SHOP, loads, "es", MONDAY_10).agent == "ana2"


def test_a_returning_customer_goes_back_to_its_owner_when_the_owner_can_take_it():
    loads = [load(ANA, 3), load(BEN, 0)]
    assert choose(SHOP, loads, "es", MONDAY_10, owner="ana").reason.startswith("returning")
    full = [load(ANA, 4), load(BEN, 0)]
    assert choose(SHOP, full, "es", MONDAY_10, owner="ana").agent == "ben"


def test_nobody_over_capacity_off_shift_or_away_and_the_reason_says_which():
    assert "at capacity" in choose(SHOP, [load(ANA, 4)], "es", MONDAY_10).reason
    away = load(ANA, 0, seen=MONDAY_10 - timedelta(minutes=3))
    assert "none present" in choose(SHOP, [away], "es", MONDAY_10).reason
    blip = load(ANA, 0, seen=MONDAY_10 - timedelta(seconds=100))  # inside the 120 s grace
    assert choose(SHOP, [blip], "es", MONDAY_10).agent == "ana"
    sunday = datetime(2026, 12, 6, 12, tzinfo=MADRID)
    assert choose(SHOP, [load(ANA, seen=sunday)], "es", sunday).reason.endswith("on shift")
    assert "speaks en" in choose(SHOP, [load(ANA)], "en", MONDAY_10).reason
    evening = MONDAY_10.replace(hour=21)
    assert (
        choose(SHOP, [load(ANA, seen=evening), load(EVA, seen=evening)], "es", evening).agent
        == "eva"
    )


THANKS = ["gracias", "¡Muchas gracias!! 🙏", "👍", "ok", "Perfecto, gracias", "@aerosol thanks!",
          "thank you so much 😊", "vale, genial"]  # fmt: skip
MORE = ["gracias, pero sigo sin maleta", "ok? y mi reembolso", "", "thanks, when will it arrive",
        "no gracias", "Gracias por nada"]  # fmt: skip


@pytest.mark.parametrize("text", THANKS)
def test_closing_pleasantries(text):
    assert is_pleasantry(text)


@pytest.mark.parametrize("text", MORE)
def test_messages_that_are_more_than_thanks(text):
    assert not is_pleasantry(text)
