from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from escucha.models import MAX_TEXT_CHARS, RawMention, mention_id
from tests.factories import raw


def test_id_is_source_and_external_id():
    assert RawMention.model_validate(raw(7)).id == "x:7" == mention_id("x", "7")


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


def test_blank_optional_fields_become_none():
    mention = RawMention.model_validate(raw(author_followers="", in_reply_to=""))
    assert mention.author_followers is None and mention.in_reply_to is None
