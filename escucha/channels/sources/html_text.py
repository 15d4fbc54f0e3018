"""Plain text from the small HTML fragments Mastodon statuses and feed entries carry."""

from __future__ import annotations

from html.parser import HTMLParser

BREAKS = {"br", "p", "div", "li", "blockquote"}
SKIPPED = {"script", "style"}
# Mastodon's "RE: <link>" fallback for clients that cannot show a quoted post; clients hide it.
HIDDEN_CLASSES = {"quote-inline"}
VOID = {"br", "img", "hr", "input", "meta", "link", "wbr"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.open: list[tuple[str, bool]] = []  # open elements, each with whether it hides

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        hidden = tag in SKIPPED or bool(classes & HIDDEN_CLASSES)
        if tag not in VOID:
            self.open.append((tag, hidden))
            self.skipping += hidden
        if tag in BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching element: fragments leave <p> and <li> unclosed.
        if not any(name == tag for name, _ in self.open):
            return
        while self.open:
            name, hidden = self.open.pop()
            self.skipping -= hidden
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def to_text(fragment: str) -> str:
    """'<p>Hola <a href="…">@sol</a></p><p>¿y mi maleta?</p>' → 'Hola @sol\\n¿y mi maleta?'."""
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).splitlines())
    return "\n".join(line for line in lines if line)
