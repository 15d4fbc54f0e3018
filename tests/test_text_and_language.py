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
