import pytest

from escucha.language import detect
from escucha.text import clean


def test_entities_come_out_and_hashtags_become_words():
    result = clean("@Iberia #MalServicio perdieron mi maleta &amp; nada https://t.co/x")
    assert result.handles == ["iberia"]
    assert result.hashtags == ["malservicio"]
    assert result.urls == ["https://t.co/x"]
    assert result.text == "Mal Servicio perdieron mi maleta & nada"


def test_control_characters_and_spaces_are_folded():
    assert clean("hola\u200b\x00   mundo\n\n").text == "hola mundo"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Me perdieron la maleta y nadie me responde", "es"),
        ("My bag never arrived and nobody answers the phone", "en"),
    ],
)
def test_language(text, lang):
    assert detect(text)[0] == lang


def test_too_little_text_is_undetermined():
    assert detect("ok 👍") == ("und", 0.0)


@pytest.mark.data
def test_function_word_shortcut_agrees_with_fasttext(shared_data):
    """The fast path must decide many texts and almost never differ from the model."""
    from escucha.language import WORD, _by_function_words, by_model
    from escucha.training.datasets import spanish_airlines, tass2020, us_airlines

    texts = [t for load in (tass2020, spanish_airlines, us_airlines) for t in load().texts]
    decided = agreed = 0
    for text in texts:
        quick = _by_function_words(WORD.findall(text.lower()))
        if quick:
            decided += 1
            agreed += quick == by_model(text)[0]
    assert decided / len(texts) >= 0.5
    assert agreed / decided >= 0.995
