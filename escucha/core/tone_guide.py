"""A tenant's tone guide: how its replies must sound, read by the tone check in `care.tone`.

It lives in core because the tenant document holds it (`[tenant.tone]` in the TOML file,
the "Tone guide" section of the settings page); the rules themselves stay in care.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

MAX_WORDS = 200
MAX_WORD_LENGTH = 40


class ToneGuide(BaseModel, frozen=True):
    """A tenant's tone guide; the defaults are escucha's for Spanish and English."""

    voice: Literal["we", "i"] = Field(
        default="we", description='"we": the brand speaks as "we"; "i": "I" is fine too'
    )
    greeting: bool = Field(default=True, description="a reply starts with a greeting")
    use_name: bool = Field(default=True, description="a reply names the customer")
    informal_words: tuple[str, ...] = Field(
        default=(), description="the tenant's own too-informal words, on top of the defaults"
    )
    banned_words: tuple[str, ...] = Field(
        default=(), description="words never to use, flagged like profanity"
    )

    @field_validator("informal_words", "banned_words")
    @classmethod
    def _words(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        kept = tuple(dict.fromkeys(w.strip() for w in words if w.strip()))
        if len(kept) > MAX_WORDS:
            raise ValueError(f"at most {MAX_WORDS} words, not {len(kept)}")
        for word in kept:
            if len(word) > MAX_WORD_LENGTH or not any(c.isalpha() for c in word):
                raise ValueError(
                    f"{word!r} is not a word or short phrase (a letter, at most "
                    f"{MAX_WORD_LENGTH} characters)"
                )
        return kept
