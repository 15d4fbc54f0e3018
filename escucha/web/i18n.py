"""The web pages' words in the agent's language: gettext catalogs read with Babel.

Pages are written in English (`{{ _("Inbox") }}`, `{% trans %}`); each page keeps its Spanish
in its own catalog, `locale/es/<page>.po`, so a page and its words change together. The
catalogs of a language are merged and read straight from the .po files when first asked for,
so installing needs no compile step. English needs no catalog: its words are the messages.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

LOCALE = Path(__file__).parent / "locale"
LANGUAGES = ("es", "en")  # the languages a page can be in; the first is the default
DEFAULT = LANGUAGES[0]


def chosen(languages: tuple[str, ...] | list[str]) -> str:
    """The first of an agent's languages that pages speak, else the default."""
    return next((lang for lang in languages if lang in LANGUAGES), DEFAULT)


@cache  # package data, read once per language: the catalogs do not change while running
def translations(language: str) -> gettext.NullTranslations:
    """A language's merged catalogs; English (or an unknown language) is the messages as is."""
    folder = LOCALE / language
    if language == "en" or not folder.is_dir():
        return gettext.NullTranslations()
    merged = Catalog(locale=language)
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id and message.string:
                    merged[message.id] = message
    compiled = BytesIO()
    write_mo(compiled, merged)
    compiled.seek(0)
    return Translations(compiled)


def install(env: Environment) -> None:
    """Give templates `_`, `gettext`, `ngettext` and `{% trans %}` in the page's `lang`."""

    @pass_context
    def _gettext(context: Context, message: str) -> str:
        return translations(_lang(context)).gettext(message)

    @pass_context
    def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
        return translations(_lang(context)).ngettext(singular, plural, n)

    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]


def _lang(context: Context) -> str:
    lang: Any = context.get("lang", DEFAULT)
    return lang if isinstance(lang, str) else DEFAULT
