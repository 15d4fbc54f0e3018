"""The tone check: what is wrong with a reply before it goes out, and how to fix it.

A small business must sound professional but close, never like a personal profile chatting
with friends. Each rule is a pure function of the reply, its platform, the customer's name and
whether the customer complained; each finding names the rule, says what it saw and suggests
a fix, in the reply's language. `escucha eval --tone` measures every rule on a labelled set.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel

from escucha.core.tone_guide import ToneGuide  # re-exported: `from escucha.care.tone import`
from escucha.nlp.tokens import fold

Language = Literal["es", "en"]
RULES = (
    "voice", "informal", "profanity", "shouting", "no_greeting", "no_name", "no_apology",
    "no_next_step", "too_long", "dm_unavailable",
)  # fmt: skip


class Finding(BaseModel, frozen=True):
    rule: str
    said: str  # what the check saw
    fix: str  # a short suggestion


@dataclass(frozen=True)
class Reply:
    text: str
    language: Language
    platform: str
    customer: str | None = None
    complaint: bool = False


# Characters as the platforms count them: URLs count 23 on X and Mastodon.
LIMITS = {"x": 280, "mastodon": 500, "instagram": 2200, "facebook": 8000}
URL = re.compile(r"https?://\S+|\bwww\.\S+")
URL_WEIGHT = 23
# twitter-text: these ranges weigh 1, every other code point (CJK, emoji) weighs 2.
LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
NO_DIRECT_MESSAGES = frozenset({"blog", "feed", "web"})

FIRST_PERSON = {
    "es": r"\byo\b|\bme (?:encargo|ocupo|pongo)\b|\bmi equipo\b|\b(?:lo|la|te lo|se lo) "
    r"(?:miro|reviso|compruebo|gestiono|consulto|confirmo|arreglo|soluciono)\b|\bte (?:reviso|"
    r"miro|escribo|llamo|aviso|confirmo|mando|paso|ayudo|cuento|digo)\b|\b(?:reviso|compruebo|"
    r"averiguo|gestiono|consulto|confirmo|investigo|escalo)\b|\b(?:puedo|voy a|estoy|soy)\b|"
    r"\bhe \w+(?:ado|ido)\b|\b(?:te|le|os|les) (?!lo\b)\w{3,}o\b|\bdejame\b|\bpermiteme\b",
    "en": r"\bi\b|\bi'(?:ll|m|ve|d)\b|\bmy\b|\blet me\b|\bme\b",
}
QUOTED = re.compile(r'"[^"]*"|“[^”]*”|«[^»]*»')
LAUGHTER = r"\b(?:(?:ja|je|ji|ha|he|hi){2,}\w*|lol|lmao|rofl|xd)\b"
SLANG = {
    "es": ("tio", "tia", "bro", "colega", "crack", "tranqui", "tranquilo tio", "guay", "mola",
           "chaval", "wey", "guey", "pana", "parce", "ok ok", "vale vale", "porfa", "finde",
           "nena", "chama", "mano"),
    "en": ("dude", "bro", "mate", "buddy", "pal", "lol", "omg", "gonna", "wanna", "chill",
           "no worries man", "ok ok", "yo", "bruh", "fam", "np"),
}  # fmt: skip
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
REPEATED_MARKS = re.compile(r"[!¡]{2,}|[?¿]{2,}|[!?]{3,}")
PROFANITY = ("joder", "hostia", "mierda", "cono", "puta", "puto", "gilipollas", "cabron",
             "carajo", "pendejo", "chingar", "verga", "idiota", "imbecil", "inutil", "cagada",
             "cagar", "fuck", "fucking", "fucked", "shit", "damn", "crap", "wtf", "bullshit",
             "asshole", "bitch", "hell no", "bloody hell", "idiot", "moron")  # fmt: skip
LEET = {"a": "4@", "e": "3", "i": "1!", "o": "0", "s": "5$", "t": "7", "u": "v"}
MASK = r"*#%$@"
GREETING = {
    "es": r"(?:hola|buen(?:os|as)\s+(?:dias|tardes|noches)|buenas|saludos|estimad[oa]s?|"
    r"querid[oa]s?|que tal|bienvenid[oa])\b",
    "en": r"(?:hi|hello|hey|good\s+(?:morning|afternoon|evening|day)|dear|greetings)\b",
}
APOLOGY = {
    "es": r"\b(?:sentimos|lamentamos|lamento|disculp\w*|perdon\w*|siento|mil disculpas)\b",
    "en": r"\b(?:sorry|apolog\w*|regret\w*|forgive)\b",
}
DAYS = {
    "es": "lunes|martes|miercoles|jueves|viernes|sabado|domingo",
    "en": "monday|tuesday|wednesday|thursday|friday|saturday|sunday",
}
DEADLINE = {
    "es": r"\b(?:hoy|manana|pasado manana|esta (?:tarde|noche|manana|semana)|antes de(?:l| las?)"
    r"\b|a las \d|a primera hora|en (?:las )?(?:proximas )?\d+\s*(?:h|horas?|min\w*|dias?|"
    r"semanas?)\b|dentro de \d+|en menos de \d+|(?:el|este|del|antes del) (?:" + DAYS["es"] +
    r")|\d{1,2}:\d{2}|\d+\s*h\b|\d+\s*(?:dias|horas|semanas)(?: habiles| laborables)?\b|"
    r"(?:plazo|maximo) de \d+|en el dia)",
    "en": r"\b(?:today|tonight|tomorrow|this (?:afternoon|evening|morning|week)|by (?:\d|end "
    r"of|noon|tonight|tomorrow|the end|(?:" + DAYS["en"] + r"))|within \d+|in (?:the next )?\d+"
    r"\s*(?:h|hours?|min\w*|days?|weeks?|business days?)\b|before \d|on (?:" + DAYS["en"] +
    r")|\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\d{1,2}:\d{2}|\d+\s*(?:business |working )?"
    r"(?:days|hours|weeks)\b|(?:" + DAYS["en"] + r")(?:'s)?|end of (?:the )?day)",
}  # fmt: skip
DIRECT_MESSAGE = {
    "es": r"\b(?:md|dms?|privado|mensajes? (?:directos?|privados?)|bandeja de entrada|inbox)\b",
    "en": r"\b(?:dms?|pm|direct messages?|private messages?|inbox|message us privately)\b",
}
SAID = {
    "voice": ("habla en primera persona del singular ({seen})", "speaks as 'I' ({seen})"),
    "informal": ("demasiado informal ({seen})", "too informal ({seen})"),
    "profanity": ("palabra malsonante ({seen})", "profanity ({seen})"),
    "shouting": ("escrito casi todo en mayúsculas", "written mostly in capitals"),
    "no_greeting": ("no saluda", "no greeting"),
    "no_name": ("no usa el nombre del cliente ({seen})", "does not use the customer's name "
                "({seen})"),
    "no_apology": ("no se disculpa ante una queja", "no apology for a complaint"),
    "no_next_step": ("no da un siguiente paso con plazo", "no next step with a time"),
    "too_long": ("{seen} caracteres, más que el límite de la plataforma",
                 "{seen} characters, over the platform's limit"),
    "dm_unavailable": ("promete seguir por privado donde no hay mensajes privados",
                       "promises a DM where the platform has none"),
}  # fmt: skip
FIX = {
    "voice": ("Habla como marca: «lo revisamos», «te escribimos».",
              "Speak as the brand: 'we'll check', 'we'll write to you'."),
    "informal": ("Quita risas, muletillas y emojis o signos repetidos.",
                 "Drop laughter, slang, and repeated emojis or marks."),
    "profanity": ("Reformula sin esa palabra.", "Rephrase without that word."),
    "shouting": ("Escribe en minúsculas, con mayúscula inicial.", "Write in sentence case."),
    "no_greeting": ("Empieza con «Hola {name}».", "Start with 'Hi {name}'."),
    "no_name": ("Dirígete a {name} por su nombre.", "Address {name} by name."),
    "no_apology": ("Empieza reconociendo el problema: «Sentimos mucho...».",
                   "Acknowledge it first: 'We're sorry...'."),
    "no_next_step": ("Di qué haréis y cuándo: «hoy lo revisamos y te escribimos antes de las "
                     "18:00».", "Say what you will do and by when: 'we'll check today and "
                     "email you by 6pm'."),
    "too_long": ("Acorta a {limit} caracteres o sigue en un segundo mensaje.",
                 "Cut to {limit} characters, or continue in a second message."),
    "dm_unavailable": ("Ofrece un correo o un teléfono: aquí no hay mensajes privados.",
                       "Offer an email address or phone: there are no DMs here."),
}  # fmt: skip


def check(reply: Reply, guide: ToneGuide | None = None) -> list[Finding]:
    """Every finding for the reply, in the order of RULES."""
    guide = guide or ToneGuide()
    folded = fold(reply.text)
    findings = []
    for rule in RULES:
        seen = RULE_CHECKS[rule](reply, folded, guide)
        if seen is not None:
            findings.append(_finding(rule, seen, reply))
    return findings


def _finding(rule: str, seen: str, reply: Reply) -> Finding:
    index = 0 if reply.language == "es" else 1
    name = reply.customer or ("el cliente" if index == 0 else "the customer")
    limit = LIMITS.get(reply.platform, 0)
    return Finding(
        rule=rule,
        said=SAID[rule][index].format(seen=seen),
        fix=FIX[rule][index].format(name=name, limit=limit),
    )


Check = Callable[[Reply, str, ToneGuide], str | None]


def _search(pattern: str, text: str) -> str | None:
    found = re.search(pattern, text)
    return found.group(0).strip() if found else None


def _voice(reply: Reply, folded: str, guide: ToneGuide) -> str | None:
    if guide.voice != "we":
        return None
    # Quoted words are the customer's or a menu's ("My account"); "lo siento" is an apology.
    spoken = QUOTED.sub("", folded)
    spoken = re.sub(r"\blo siento\b|\bsiento mucho\b", "", spoken)
    return _search(FIRST_PERSON[reply.language], spoken)


def _informal(reply: Reply, folded: str, guide: ToneGuide) -> str | None:
    words = (*SLANG[reply.language], *(fold(w) for w in guide.informal_words))
    # "tu tía" is an aunt, not a familiar "tía".
    slang = r"(?<!\btu )(?<!\bsu )(?<!\bmi )\b(?:" + "|".join(re.escape(w) for w in words) + r")\b"
    if seen := _search(LAUGHTER, folded) or _search(slang, folded):
        return seen
    if len(EMOJI.findall(reply.text)) >= 3:
        return "emojis"
    return _search(REPEATED_MARKS.pattern, reply.text)


def _profanity_pattern(words: tuple[str, ...]) -> str:
    def letter(char: str) -> str:
        if char == " ":
            return r"\s+"
        return "[" + re.escape(char + LEET.get(char, "") + MASK) + "]"

    alternatives = "|".join("".join(letter(c) for c in w) for w in words)
    return r"(?<![\w*])(?:" + alternatives + r")(?:e?s)?(?!\w)"  # plurals too


def _profanity(reply: Reply, folded: str, guide: ToneGuide) -> str | None:
    words = (*PROFANITY, *(fold(w) for w in guide.banned_words))
    found = re.search(_profanity_pattern(words), folded)
    if found is None or set(found.group(0)) <= set(MASK):
        return None
    return found.group(0)


def _shouting(reply: Reply, folded: str, guide: ToneGuide) -> str | None:
    letters = [c for c in URL.sub("", reply.text) if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return "caps" if len(letters) >= 12 and upper > len(letters) / 2 else None


def _no_greeting(reply: Reply, folded: str, guide: ToneGuide) -> str | None:
    if not guide.greeting:
        return None
    opening = re.sub(r"^\s*(?:@[\w.]+[,:]?\s*)+", "", folded)  # "@marta_g Hola..." greets
    opening = re.sub(r"^[\W_]+", "", opening)  # "¡Hola!", "👋 Hola"
    greeting = GREETING[reply.language]
    return None if re.match(rf"(?:\w+!\s*)?{greeting}", opening) else "-"  # "Kaixo! Hola"


def _no_name(reply: Reply, folded: str, guide: ToneGuide) -> str | None:
    if not guide.use_name or not reply.customer:
        return None
    handle = fold(reply.customer).lstrip("@").partition("@")[0]  # "ana@mastodon.social": ana
    first = re.split(r"[_.\d\s]", handle)[0]
    names = {handle, first} - {""}
    if any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", folded) for n in names):
        return None
    return reply.customer


def _no_apology(reply: Reply, folded: str, guide: ToneGuide) -> str | None:
    if not reply.complaint:
        return None
    return None if re.search(APOLOGY[reply.language], folded) else "-"


def _no_next_step(reply: Reply, folded: str, guide: ToneGuide) -> str | None:
    if not reply.complaint:
        return None
    return None if re.search(DEADLINE[reply.language], folded) else "-"


def platform_length(text: str, platform: str) -> int:
    """The length as the platform counts it."""
    if platform not in ("x", "mastodon"):
        return len(text)
    urls = URL.findall(text)
    rest = URL.sub("", text)
    if platform == "mastodon":
        return len(rest) + URL_WEIGHT * len(urls)
    weight = sum(1 if any(a <= ord(c) <= b for a, b in LIGHT) else 2 for c in rest)
    return weight + URL_WEIGHT * len(urls)


def _too_long(reply: Reply, folded: str, guide: ToneGuide) -> str | None:
    limit = LIMITS.get(reply.platform)
    if limit is None:
        return None
    length = platform_length(reply.text, reply.platform)
    return str(length) if length > limit else None


def _dm_unavailable(reply: Reply, folded: str, guide: ToneGuide) -> str | None:
    if reply.platform not in NO_DIRECT_MESSAGES:
        return None
    return _search(DIRECT_MESSAGE[reply.language], folded)


RULE_CHECKS: dict[str, Check] = {
    "voice": _voice, "informal": _informal, "profanity": _profanity, "shouting": _shouting,
    "no_greeting": _no_greeting, "no_name": _no_name, "no_apology": _no_apology,
    "no_next_step": _no_next_step, "too_long": _too_long, "dm_unavailable": _dm_unavailable,
}  # fmt: skip
