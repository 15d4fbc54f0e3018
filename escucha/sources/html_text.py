"""Plain text from the small HTML fragments Mastodon statuses and feed entries carry."""

from __future__ import annotations

from html.parser import HTMLParser

BREAKS = {"br", "p", "div", "li", "blockquote"}
SKIPPED = {"script", "style"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)

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
