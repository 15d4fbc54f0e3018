"""Valence of emoji and emoticons as people use them in customer tweets."""

from __future__ import annotations

EMOJI: dict[str, float] = {
    # anger and disgust: the loudest signal in a complaint
    "😡": -3.0, "😠": -2.5, "🤬": -3.5, "😤": -2.0, "🤮": -3.0, "🤢": -2.5, "💩": -2.5, "👎": -2.0,
    # sadness, frustration, disappointment
    "😢": -2.0, "😭": -2.0, "😞": -2.0, "😔": -1.5, "😩": -2.0, "😫": -2.0, "😖": -2.0, "😣": -1.5,
    "😒": -1.5, "🙄": -1.5, "😕": -1.0, "🙁": -1.5, "☹": -1.5, "😑": -1.0, "😐": -0.5, "💔": -2.0,
    "😱": -1.5, "😰": -1.5, "😓": -1.0, "🤦": -1.5,
    # joy, love, approval
    "😀": 2.0, "😃": 2.0, "😄": 2.0, "😁": 2.0, "😊": 2.0, "🙂": 1.0, "😍": 3.0, "🥰": 3.0,
    "😘": 2.5, "❤": 3.0, "💕": 2.5, "💖": 2.5, "💙": 2.5, "💚": 2.5, "💜": 2.5, "👍": 2.0,
    "👏": 2.0, "🙌": 2.0, "🎉": 2.0, "✨": 1.0, "💯": 2.0, "😎": 1.5, "🤩": 3.0, "🥳": 2.5,
    "🙏": 1.5, "✅": 1.0, "🤗": 2.0, "😉": 1.0, "😇": 1.5, "🌟": 1.5, "⭐": 1.5, "😻": 2.5,
    # laughter is often sarcastic in complaints: mildly positive at most
    "😂": 0.5, "🤣": 0.5, "😅": 0.0,
}
EMOTICONS: dict[str, float] = {
    ":)": 2.0, ":-)": 2.0, ";)": 1.5, "=)": 2.0, ":d": 2.5, ":-d": 2.5, ":p": 1.0,
    ":(": -2.0, ":-(": -2.0, "=(": -2.0, ":/": -1.0, ":-/": -1.0, ":|": -0.5,
}


def valence(token: str) -> float:
    return EMOJI.get(token) or EMOTICONS.get(token, 0.0)
