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
    if not text.isprintable():  # rare: newlines, tabs, zero-width or control characters
        text = CONTROL.sub("", text)
    return " ".join(text.split())


def clean(text: str) -> CleanText:
    """Pull out URLs, @handles and #hashtags; '#MalServicio' stays as the words 'Mal Servicio'.

    Each pattern runs only where its marker appears: most posts have no URL or hashtag.
    """
    words = tidy(text)
    urls: list[str] = []
    if "://" in words or "www." in words.lower():
        urls = URL.findall(words)
        words = URL.sub(" ", words)
    handles: list[str] = []
    if "@" in words:
        handles = [h.lower() for h in HANDLE.findall(words)]
        words = HANDLE.sub(" ", words)
    hashtags: list[str] = []
    if "#" in words:
        hashtags = [h.lower() for h in HASHTAG.findall(words)]
        words = HASHTAG.sub(lambda m: " " + CAMEL_BOUNDARY.sub(" ", m.group(1)) + " ", words)
    return CleanText(text=" ".join(words.split()), handles=handles, hashtags=hashtags, urls=urls)
