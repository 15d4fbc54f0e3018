"""The web pages' words: every message a template shows has its Spanish, catalogs never
disagree, a page speaks its agent's language, and the vendored scripts are the pinned ones."""

import hashlib
import re
from collections import defaultdict
from pathlib import Path

from babel.messages.extract import extract
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from escucha.web.browser import TEMPLATES
from escucha.web.i18n import LOCALE, chosen, translations

WEB = Path(__file__).resolve().parents[1] / "escucha" / "web"
TEMPLATE_DIR = WEB / "templates"
VENDOR = WEB / "static" / "vendor"


def template_messages() -> dict[str, set[str]]:
    """msgid → the templates that show it, as Babel's Jinja extraction finds them."""
    found: dict[str, set[str]] = defaultdict(set)
    for template in sorted(TEMPLATE_DIR.rglob("*.html.j2")):
        with template.open("rb") as handle:
            for _, message, _, _ in extract(babel_extract, handle,
                                            options={"extensions": "jinja2.ext.i18n"}):  # fmt: skip
                for msgid in message if isinstance(message, tuple) else (message,):
                    if msgid:
                        found[msgid].add(str(template.relative_to(TEMPLATE_DIR)))
    return found


def spanish_catalogs() -> dict[str, dict[str, str]]:
    """msgid → {catalog file: its translation}, over every Spanish catalog."""
    seen: dict[str, dict[str, str]] = defaultdict(dict)
    for po in sorted((LOCALE / "es").glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale="es"):
                if message.id:  # a plural's id and string are tuples: their first form
                    msgid, text = (x[0] if isinstance(x, tuple | list) else x
                                   for x in (message.id, message.string))  # fmt: skip
                    seen[str(msgid)][po.name] = str(text)
    return seen


def test_every_message_a_template_shows_has_its_spanish():
    messages = template_messages()
    assert len(messages) > 30, "the extraction found almost nothing: is it reading _() calls?"
    catalogs = spanish_catalogs()
    missing = {m: sorted(t) for m, t in messages.items() if not any(catalogs.get(m, {}).values())}
    assert not missing, f"no Spanish in escucha/web/locale/es/*.po for: {missing}"


def test_two_catalogs_never_translate_one_message_differently():
    conflicting = {m: by for m, by in spanish_catalogs().items() if len(set(by.values())) > 1}
    assert not conflicting, conflicting


def test_a_page_speaks_its_agents_language():
    login = TEMPLATES.env.get_template("login.html.j2")
    spanish = login.render(lang="es", csrf="t", error="wrong", agent=None)
    english = login.render(lang="en", csrf="t", error="wrong", agent=None)
    assert "Correo o contraseña incorrectos." in spanish and "Entrar" in spanish
    assert "Wrong e-mail or password." in english and "Entrar" not in english
    assert chosen(("pt", "en")) == "en" and chosen(()) == "es"
    assert translations("es").gettext("Inbox") == "Bandeja"
    assert translations("en").gettext("Inbox") == "Inbox"


def test_the_vendored_scripts_are_the_pinned_ones_each_beside_its_licence():
    pins = dict(re.findall(r"^\| (\S+) \| .+ \| ([0-9a-f]{64}) \|$",
                           (VENDOR / "README.md").read_text(), re.MULTILINE))  # fmt: skip
    scripts = sorted(p.name for p in VENDOR.glob("*.js"))
    assert scripts and sorted(pins) == scripts
    for name, digest in pins.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
        assert (VENDOR / name.replace(".min.js", ".LICENSE").replace(".js", ".LICENSE")).exists()
