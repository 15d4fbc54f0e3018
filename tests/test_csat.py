"""Reading a customer's answer to the satisfaction question: scale, words, stars, faces, yes/no."""

import pytest

from escucha.care.csat import ask
from escucha.nlp.rating import Answer, read_answer, satisfied


@pytest.mark.parametrize(("text", "score"), [
    ("5", 5), ("4/5", 4), ("un 4", 4), ("4 de 5", 4), ("3 out of 5", 3), ("cuatro", 4),
    ("Five!", 5), ("⭐⭐⭐", 3), ("★★★★★", 5), ("😡", 1), ("😍", 5), ("2.", 2),
    ("le doy un 4 estrellas", 4), ("5 👏", 5), ("un 5, gracias", 5), ("Gracias! 4", 4),
    ("thanks, 3/5", 3), ("5 muchas gracias", 5),
])  # fmt: skip
def test_a_score_on_the_scale_is_read(text, score):
    answer = read_answer(text)
    assert answer == Answer(score, False)


@pytest.mark.parametrize(("text", "score"), [("sí", 5), ("Si!", 5), ("yes", 5), ("no", 1),
                                               ("👍", 5)])  # fmt: skip
def test_yes_and_no_are_read_as_the_ends_of_the_scale(text, score):
    answer = read_answer(text)
    assert answer is not None and answer.binary and answer.score == score


@pytest.mark.parametrize("text", [
    "mi vuelo 4521 sigue sin salir", "llevo 12 horas esperando", "7", "0", "",
    "no me han devuelto el dinero de la maleta que perdieron", "gracias por nada, 5 horas tarde",
    "5 horas tarde", "3 maletas perdidas", "gracias", "gracias por nada", "thank you so much",
    # After the question, a complaint or a question back is no rating, however short.
    "no funciona", "no llegó", "no sirve", "no, gracias", "no, nada", "dos semanas esperando",
    "two days late", "one more thing", "me faltan 2", "solo 1", "pedido 4?", "¿Y el 4?",
    "y van 3!", "ok", "ok?",
])  # fmt: skip
def test_what_is_not_an_answer_is_left_alone(text):
    assert read_answer(text) is None


def test_four_and_five_are_satisfied_and_the_question_speaks_the_customers_language():
    assert satisfied(Answer(4, False)) and not satisfied(Answer(3, False))
    assert "del 1 al 5" in ask("es") and "from 1 to 5" in ask("en") and ask("pt") == ask("en")
