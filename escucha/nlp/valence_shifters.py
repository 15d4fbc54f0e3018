"""Words that change the polarity around them: negators, intensifiers, diminishers, contrasts."""

from __future__ import annotations

NEGATORS = {
    "es": {
        "no",
        "nunca",
        "jamás",
        "jamas",
        "ni",
        "tampoco",
        "sin",
        "nadie",
        "ningún",
        "ninguna",
        "ningun",
        "ninguno",
        "nada",
    },
    "en": {
        "not",
        "no",
        "never",
        "nobody",
        "nothing",
        "none",
        "neither",
        "nor",
        "without",
        "cannot",
        "can't",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "aren't",
        "wasn't",
        "weren't",
        "won't",
        "wouldn't",
        "couldn't",
        "shouldn't",
        "haven't",
        "hasn't",
        "hadn't",
        "ain't",
        "cant",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "wont",
        "wasnt",
    },
}
INTENSIFIERS = {
    "es": {
        "muy",
        "súper",
        "super",
        "tan",
        "demasiado",
        "bastante",
        "extremadamente",
        "totalmente",
        "realmente",
        "tremendamente",
        "increíblemente",
        "sumamente",
        "mega",
        "re",
        "más",
    },
    "en": {
        "very",
        "so",
        "really",
        "extremely",
        "totally",
        "absolutely",
        "incredibly",
        "super",
        "utterly",
        "completely",
        "most",
        "such",
        "too",
    },
}
DIMINISHERS = {
    "es": {"poco", "algo", "apenas", "medio", "ligeramente"},
    "en": {"slightly", "somewhat", "kinda", "barely", "little", "bit", "hardly"},
}
CONTRASTS = {"es": {"pero", "aunque", "sin embargo", "sino"}, "en": {"but", "however", "though"}}

NEGATION_SPAN = 3  # tokens a negator reaches forward
INTENSIFY = 1.5
DIMINISH = 0.5
NEGATED = -0.75  # "no es bueno" is less negative than "es malo"


def words_for(table: dict[str, set[str]], lang: str) -> set[str]:
    """The list for a language; unknown languages get every language's words."""
    return table.get(lang) or set().union(*table.values())
