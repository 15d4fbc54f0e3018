"""The tone check: the issue's two replies, each rule's edge, and its figures on the reply set."""

import pytest

from escucha.care.tone import Reply, ToneGuide, check, platform_length
from escucha.training import tone_set


def rules(text, language="es", platform="facebook", customer="Lucía", complaint=True, guide=None):
    return [f.rule for f in check(Reply(text, language, platform, customer, complaint), guide)]


def test_the_informal_reply_is_refused_and_the_careful_one_goes_out():
    found = check(Reply("jajaja tranqui, yo lo miro", "es", "facebook", "Lucía", True))
    assert {f.rule for f in found} >= {"informal", "voice", "no_greeting", "no_apology"}
    assert all(f.fix and f.said for f in found)
    voice = next(f for f in found if f.rule == "voice")
    assert "yo" in voice.said and "revisamos" in voice.fix
    good = ("Hola Lucía, sentimos mucho la espera. Hoy revisamos tu pedido y te escribimos "
            "antes de las 18:00.")  # fmt: skip
    assert rules(good) == []


def test_masked_profanity_and_shouting_and_repeated_marks():
    assert "profanity" in rules("Hola Lucía, qué m13rda lo del retraso, lo sentimos")
    assert "profanity" in rules("Hi Tom, that's a f*cking shame, sorry", "en", customer="Tom")
    assert "profanity" not in rules("Hola Lucía, lo sentimos: ****")  # a mask alone says nothing
    assert "shouting" in rules("HOLA LUCÍA, LO SENTIMOS MUCHO, HOY LO ARREGLAMOS")
    assert "shouting" not in rules("Hola Lucía, te enviamos un SMS con el DNI hoy, lo sentimos")
    assert "informal" in rules("Hola Lucía!! Lo sentimos, hoy lo revisamos")
    assert "informal" not in rules("¡Hola Lucía! Lo sentimos, hoy lo revisamos 😊")


def test_x_counts_a_url_as_23_characters():
    url = "https://example.com/" + "a" * 200
    text = "Hi Tom, sorry for the wait: we'll refund you today. Details " + url
    assert platform_length(text, "x") == len(text) - len(url) + 23
    assert "too_long" not in rules(text, "en", "x", "Tom")
    assert "too_long" in rules(text + " " + "x" * 300, "en", "x", "Tom")
    assert platform_length("👍" * 10, "x") == 20  # emoji weigh two on X


def test_a_dm_promise_is_only_a_finding_where_there_are_no_dms():
    text = "Hola Lucía, lo sentimos. Escríbenos por MD y hoy mismo lo vemos"
    assert "dm_unavailable" in rules(text, platform="blog")
    assert "dm_unavailable" not in rules(text, platform="x")


def test_a_tenant_guide_can_speak_as_i_and_add_its_own_words():
    text = "Hola Lucía, lo siento mucho, yo misma lo reviso hoy antes de las 18:00"
    assert "voice" in rules(text)
    assert "voice" not in rules(text, guide=ToneGuide(voice="i"))
    assert "informal" in rules("Hola Lucía, lo sentimos, hoy lo vemos, cariño",
                               guide=ToneGuide(informal_words=("cariño",)))  # fmt: skip


@pytest.mark.parametrize("name", tone_set.SETS)
@pytest.mark.parametrize("language", tone_set.LANGUAGES)
def test_every_rule_on_the_labelled_replies(language, name):
    rows = tone_set.load(language, name)
    assert len(rows) >= (150 if name == "replies" else 70)
    scores, exact = tone_set.score(rows)
    for s in scores:
        assert s.support >= 6, f"{s.rule} has {s.support} examples"
        assert s.precision >= 0.75 and s.recall >= 0.75, (s, tone_set.mistakes(rows)[:10])
    assert exact >= 0.7


def test_a_fediverse_handle_is_addressed_by_its_user_part():
    text = "Hola Ana, sentimos lo de tu maleta. Hoy la buscamos y te escribimos antes de las 18:00."
    assert "no_name" not in rules(text, platform="mastodon", customer="ana@mastodon.social")
    assert "no_name" in rules(text, platform="mastodon", customer="pedro@mastodon.social")
