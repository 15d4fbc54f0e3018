"""The ROR ledger, pure: each person's parts, totals that are the sum of the lines, and what a
recommendation is."""

from datetime import UTC, datetime, timedelta

import pytest

from escucha.care.recovery import Post, Signal
from escucha.care.ror import Purchase, Said, ledger
from escucha.nlp.recommendation import recommends

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 12, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def said(person, at, *, positive=False, complaint=False, recommending=False):
    score = 0.8 if positive else (-0.8 if complaint else 0.0)
    return Said(Post(person, at, complaint, positive, None, score), recommending)


def test_each_person_has_a_line_of_parts_and_the_totals_are_their_sums():
    start = SINCE + 2 * DAY
    posts = [
        said("ana", start, positive=True, recommending=True),
        said("ana", start + DAY, positive=True),
        said("luis", start, complaint=True),
        said("marta", start, complaint=True),
        said("pepe", start, complaint=True),  # complains and never comes back
        said("ana", SINCE - DAY, positive=True),  # before the period: not in it
    ]
    answers = [Signal("luis", start + DAY, "csat", 5), Signal("pepe", start + DAY, "csat", 2)]
    bought = [Purchase("marta", start + 3 * DAY, 120.5), Purchase("ana", start, None)]
    found = ledger(posts, answers, bought, SINCE, UNTIL)
    lines = {line.person: line for line in found.lines}
    assert set(lines) == {"ana", "luis", "marta", "pepe"} and found.people == 4
    assert (lines["ana"].positive_mentions, lines["ana"].recommendations) == (2, 1)
    assert lines["luis"].recovered and lines["luis"].satisfied_answers == 1
    assert lines["marta"].recovered and lines["marta"].revenue == 120.5
    assert lines["pepe"].complained and not lines["pepe"].recovered
    assert lines["pepe"].satisfied_answers == 0  # a 2 is an answer, not a satisfied one
    assert (found.complainers, found.recovered_complaints) == (3, 2)
    assert (found.deals_won, found.revenue, found.deals_without_amount) == (2, 120.5, 1)
    for part in ("positive_mentions", "recommendations", "satisfied_answers", "deals_won"):
        assert getattr(found, part) == sum(getattr(line, part) for line in found.lines)
    assert found.lines[0].person == "marta"  # most given first: revenue, then the rest


def test_a_comeback_after_the_period_counts_and_a_purchase_after_it_adds_no_revenue():
    complained = UNTIL - DAY
    posts = [said("luis", complained, complaint=True)]
    bought = [Purchase("luis", UNTIL + 5 * DAY, 300.0)]  # came back in December
    found = ledger(posts, [], bought, SINCE, UNTIL)
    (line,) = found.lines
    assert line.recovered and line.deals_won == 0 and found.revenue == 0


def test_a_complaint_is_no_positive_mention_even_when_it_recommends_something_else():
    posts = [said("ana", SINCE + DAY, complaint=True, recommending=True, positive=True)]
    (line,) = ledger(posts, [], [], SINCE, UNTIL).lines
    assert (line.positive_mentions, line.recommendations, line.complained) == (0, 0, True)


@pytest.mark.parametrize("text", ["Os lo recomiendo, atención de 10", "100% recomendable",
                                  "Highly recommend @aerosol!", "worth it!",
                                  "tenéis que probar el menú", "Merece la pena",
                                  "Can't recommend them enough", "no, pero lo recomiendo",
                                  "lo recomiendo no solo por el precio"])  # fmt: skip
def test_a_recommendation_is_read(text):
    assert recommends(text)


@pytest.mark.parametrize("text", ["No lo recomiendo para nada", "I would not recommend them",
                                  "¿Me lo recomiendas?", "nunca lo recomendaría", "me encanta",
                                  "I don't really recommend it", "mi amiga me lo recomendó y no "
                                  "funciona", "¿lo recomendáis?", "I recommend avoiding them",
                                  "Recomiendo no comprar aquí", "te recomiendo que no compres",
                                  "it was recommended to me but terrible",
                                  "Recomendado por un amigo, pésima experiencia"])  # fmt: skip
def test_what_is_no_recommendation_is_left_alone(text):
    assert not recommends(text)
