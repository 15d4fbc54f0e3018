"""Who wrote a feed entry: the name to show, and the address kept only as a private identity.

Feeds write authors several ways: Atom as feedparser renders it, "John (noreply@blogger.com)";
RSS's raw `<author>`, "noreply@blogger.com (John)"; "John Smith <john@example.com>"; or a bare
name (WordPress's dc:creator). feedparser's own split mangles addresses whose top-level domain
is longer than four letters (john@example.social), so the raw string is split here.
"""

from __future__ import annotations

import re
from typing import Any

PARENTHESISED = re.compile(r"^(?P<outer>.*?)\s*\((?P<inner>[^()]*)\)\s*$")
ANGLED = re.compile(r"^(?P<outer>.*?)\s*<(?P<inner>[^<>]*)>\s*$")
ADDRESS = re.compile(r"^(?:mailto:)?[^@\s]+@[^@\s]+\.[^@\s]+$")
# Blogger writes this for every commenter: it identifies no one.
PLACEHOLDERS = {"noreply@blogger.com"}


def split_author(raw: str) -> tuple[str | None, str | None]:
    """(name, address) of an author string; either may be missing."""
    raw = raw.strip()
    for pattern in (PARENTHESISED, ANGLED):
        if match := pattern.match(raw):
            outer, inner = match["outer"].strip(), match["inner"].strip()
            if ADDRESS.match(inner):
                return outer or None, _address(inner)
            if ADDRESS.match(outer):
                return inner or None, _address(outer)
    if ADDRESS.match(raw):
        return None, _address(raw)
    return raw or None, None


def _address(value: str) -> str:
    return value.removeprefix("mailto:").lower()


def entry_author(entry: Any) -> tuple[str, str | None]:
    """(display name, identity) of a feedparser entry; the identity is a profile URL or a real
    address, never Blogger's placeholder."""
    detail = entry.get("author_detail") or {}
    name, address = split_author(entry.get("author") or "")
    name = name or (detail.get("name") or "").strip() or None
    if address in PLACEHOLDERS:
        address = None
    identity = detail.get("href") or address
    return name or "anonymous", identity
