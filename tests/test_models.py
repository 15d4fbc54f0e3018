from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from escucha.core.models import MAX_TEXT_CHARS, RawMention, mention_id
from tests.factories import raw


def test_id_is_tenant_source_and_external_id():
    assert RawMention.model_validate(raw(7)).id == "default:x:7" == mention_id("default", "x", "7")
    ours, theirs = (RawMention.model_validate(raw(7, tenant=t)).id for t in ("a", "b"))
    assert ours != theirs  # two tenants' posts with one platform id never share a mention


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("author_followers", 10**30, "less than or equal to 2147483647"),
        ("author_followers", -1, "greater than or equal to 0"),
        ("id", "9" * 201, "at most 200 characters"),
        ("in_reply_to", "x:" + "1" * 300, "at most 240 characters"),
        ("url", "https://e.example/" + "a" * 3000, "at most 2048 characters"),
        ("id", "a\x00b", "NUL"),
    ],
)
def test_what_a_store_cannot_hold_is_refused_at_the_door(field, value, message):
    with pytest.raises(ValidationError, match=message):
        RawMention.model_validate(raw(**{field: value}))


def test_nul_characters_are_stripped_from_text_and_names():
    mention = RawMention.model_validate(raw(text="hola\x00 mundo", author="a\x00na"))
    assert (mention.text, mention.author) == ("hola mundo", "ana")


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_dates_with_no_utc_form_are_refused_not_crashed_on(value):
    with pytest.raises(ValidationError, match="out of range once converted to UTC"):
        RawMention.model_validate(raw(created_at=value))


def test_unix_times_are_seconds_and_ambiguous_numbers_are_refused():
    assert RawMention.model_validate(raw(created_at=1763719200)).created_at == datetime(
        2025, 11, 21, 10, 0, tzinfo=UTC
    )
    assert RawMention.model_validate(raw(created_at="1763719200")).created_at.year == 2025
    for ambiguous in (253402300800, 1763719200000, -5, True):
        with pytest.raises(ValidationError, match=r"Unix time in seconds|not a boolean"):
            RawMention.model_validate(raw(created_at=ambiguous))


def test_empty_text_is_rejected_with_the_field_named():
    with pytest.raises(ValidationError) as error:
        RawMention.model_validate(raw(text="   "))
    assert error.value.errors()[0]["loc"] == ("text",)


def test_a_100_kb_text_is_accepted():
    text = "retraso " * 12_800  # 102,400 characters
    assert RawMention.model_validate(raw(text=text)).text.startswith("retraso")


def test_text_over_the_limit_is_rejected():
    with pytest.raises(ValidationError, match="at most"):
        RawMention.model_validate(raw(text="a" * (MAX_TEXT_CHARS + 1)))


def test_undecodable_bytes_are_named():
    broken = b"caf\xe9 malo".decode("utf-8", errors="surrogateescape")
    with pytest.raises(ValidationError, match="not valid UTF-8"):
        RawMention.model_validate(raw(text=broken))


def test_naive_times_are_utc_and_twitter_dates_parse():
    assert RawMention.model_validate(raw(created_at="2026-01-02T03:04:05")).created_at.tzinfo == UTC
    parsed = RawMention.model_validate(raw(created_at="Wed Oct 11 06:55:44 +0000 2017")).created_at
    assert parsed == datetime(2017, 10, 11, 6, 55, 44, tzinfo=UTC)


def test_source_must_be_a_slug():
    with pytest.raises(ValidationError, match="source"):
        RawMention.model_validate(raw(source="Not A Slug!"))


def test_numeric_ids_are_read_as_text():
    mention = RawMention.model_validate(raw(id=123456789012, author_id=42))
    assert (mention.external_id, mention.author_id) == ("123456789012", "42")


def test_blank_optional_fields_become_none():
    mention = RawMention.model_validate(raw(author_followers="", in_reply_to=""))
    assert mention.author_followers is None and mention.in_reply_to is None
