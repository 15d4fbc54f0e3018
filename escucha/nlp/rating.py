"""A customer's answer to a satisfaction question, read.

Pure. An answer is a number from 1 to 5 ("4", "5/5", "un 4", "cuatro"), stars or a face, or a
plain yes or no. Anything else is not an answer and is left alone: "5 horas tarde" is a
complaint, not a rating.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

WORDS = {"uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
         "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}  # fmt: skip
FACES = {"😡": 1, "😠": 1, "😞": 2, "🙁": 2, "☹️": 2, "😐": 3, "😕": 3, "🙂": 4, "😊": 4,
         "😀": 5, "😃": 5, "😁": 5, "😍": 5, "🤩": 5, "🥰": 5}  # fmt: skip
YES = {"si", "sí", "yes", "yep", "claro", "vale", "ok", "👍"}
NO = {"no", "nope", "nada", "👎"}
# A digit, a few words before it at most ("le doy un 4"), and after it only "/5", "de 5",
# "estrellas" or punctuation and emoji: "5 horas tarde" is a complaint, not a rating.
NUMBER = re.compile(
    r"^\D{0,12}?\b([1-5])\b(?:\s*(?:/|de|of|out of)\s*5)?"
    r"(?:\s*(?:estrellas?|stars?|puntos?|points?))?[^\w]*$",
    re.IGNORECASE,
)
# Thanks around a rating ("un 5, gracias", "thanks! 4") leave the rating what it is.
THANKS = re.compile(
    r"^(?:(?:muchas\s+)?gracias|thanks?(?:\s+you)?|ty)\b[\s,.!¡]*"
    r"|[\s,.!¡]*\b(?:(?:muchas\s+)?gracias|thanks?(?:\s+you)?|ty)[\s.!]*$",
    re.IGNORECASE,
)
STARS = re.compile(r"^(?:⭐|★|\*){1,5}$")


@dataclass(frozen=True)
class Answer:
    score: int  # 1-5; a yes is 5 and a no is 1
    binary: bool  # answered yes or no rather than on the scale


def read_answer(text: str) -> Answer | None:
    """The score in a customer's reply to the question, or None when it is not one."""
    said = unicodedata.normalize("NFC", text).strip()
    said = THANKS.sub("", said).strip().rstrip("!.¡ ").strip()
    if not said or len(said) > 40:
        return None
    if STARS.match(said.replace(" ", "")):
        return Answer(len(said.replace(" ", "")), False)
    if said in FACES:
        return Answer(FACES[said], False)
    lowered = said.casefold()
    words = re.findall(r"[\w']+", lowered)
    if len(words) <= 3:
        for word in words:
            if word in WORDS:
                return Answer(WORDS[word], False)
    found = NUMBER.match(said)
    if found and not re.search(r"\d{2,}", said):
        return Answer(int(found[1]), False)
    if lowered in YES or (words and words[0] in YES and len(words) <= 2):
        return Answer(5, True)
    if lowered in NO or (words and words[0] in NO and len(words) <= 2):
        return Answer(1, True)
    return None


def satisfied(answer: Answer) -> bool:
    """CSAT counts 4 and 5 as satisfied."""
    return answer.score >= 4
