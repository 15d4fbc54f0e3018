"""Offensive language: insults and profanity, spelled out or masked ("xxxx", "%%%%", "p*ta")."""

from __future__ import annotations

import re

from escucha.analysis.tokens import is_masked_profanity

PROFANITY = re.compile(
    r"\b(?:mierd\w*|put[ao]s?|putada|joder|jodid\w+|gilipollas|cabr[oó]n\w*|pendej\w+|co[ñn]o|"
    r"hostia\w*|imb[eé]cil\w*|idiota\w*|est[uú]pid\w+|capull\w+|subnormal\w*|maric[oó]n\w*|"
    r"zorr[ao]s?|hij[oa]s? de (?:puta|perra)|hdp|ptm|verga|chinga\w*|culer[oa]s?|cerd[oa]s?|"
    r"basura|escoria|malparid\w+|malnacid\w+|payas[oa]s?|inútil\w*|inutil\w*|ladr[oó]n\w*|"
    r"rat[ae]r[ao]s?|asqueros\w+|mam[oó]n\w*|tont[oa]s?|retrasad[oa]s?|"
    r"fuck\w*|shit\w*|bullshit|asshole\w*|bitch\w*|bastard\w*|damn\w*|crap\w*|dick\w*|"
    r"moron\w*|idiot\w*|stupid|dumb\w*|wtf|stfu|screw you|suck\w*|scum\w*|jerk\w*)\b",
    re.IGNORECASE,
)


def is_offensive(text: str, tokens: list[str]) -> bool:
    return bool(PROFANITY.search(text)) or any(is_masked_profanity(t) for t in tokens)
