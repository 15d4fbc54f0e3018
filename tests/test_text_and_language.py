import pytest

from escucha.nlp.language import detect
from escucha.nlp.text import clean


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
def test_function_word_shortcut_settles_most_texts_and_beats_fasttext_on_them(shared_data):
    """Against each corpus's own language: the fast path decides most texts, almost always
    rightly, and no worse than the model on the same texts."""
    from escucha.nlp.language import WORD, _by_function_words, by_model
    from escucha.training.datasets import LOADERS

    truth = {
        t: corpus.lang for load in LOADERS.values() for corpus in [load()] for t in corpus.texts
    }
    decided = right = model_right = 0
    for text, lang in truth.items():
        quick = _by_function_words(WORD.findall(text.lower()))
        if quick:
            decided += 1
            right += quick == lang
            model_right += by_model(text)[0] == lang
    assert decided / len(truth) >= 0.75
    assert right / decided >= 0.998
    assert right >= model_right
