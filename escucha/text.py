"""Cleaning social-media text: entities out, readable words in."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
HANDLE = re.compile(r"(?<![\w@])@(\w{1,50})")
HASHTAG = re.compile(r"(?<![\w#])#(\w{1,100})")
CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u200b-\u200f\ufeff]")
SPACES = re.compile(r"\s+")
CAMEL_BOUNDARY = re.compile(r"(?<=[a-záéíóúñ])(?=[A-ZÁÉÍÓÚÑ])")


@dataclass(frozen=True)
class CleanText:
    text: str
    handles: list[str] = field(default_factory=list)
    hashtags: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)


def tidy(text: str) -> str:
    """Unicode-normalise, unescape HTML entities, drop control characters, fold spaces."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    return SPACES.sub(" ", CONTROL.sub("", text)).strip()


def clean(text: str) -> CleanText:
    """Pull out URLs, @handles and #hashtags; '#MalServicio' stays as the words 'Mal Servicio'."""
    text = tidy(text)
    urls = URL.findall(text)
    without_urls = URL.sub(" ", text)
    handles = HANDLE.findall(without_urls)
    hashtags = HASHTAG.findall(without_urls)
    words = HANDLE.sub(" ", without_urls)
    words = HASHTAG.sub(lambda m: " " + CAMEL_BOUNDARY.sub(" ", m.group(1)) + " ", words)
    return CleanText(
        text=SPACES.sub(" ", words).strip(),
        handles=[h.lower() for h in handles],
        hashtags=[h.lower() for h in hashtags],
        urls=urls,
    )
