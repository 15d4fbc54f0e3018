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
# Only a whole-message yes or no: "no funciona" and "no llegó" are complaints, not ratings.
YES = {"si", "sí", "yes", "👍"}
NO = {"no", "👎"}
SCORE = r"([1-5]|uno|dos|tres|cuatro|cinco|one|two|three|four|five)"
# The whole message is the rating: a few words known to lead one ("un", "le doy un", "nota:",
# "I give you a"), the score, then only "/5", "de 5", "estrellas" and emoji or marks.
RATING = re.compile(
    r"^(?:(?:te |os |le |les )?(?:doy |daria |daría )?(?:un |una |a |an |nota:? |mi nota es |"
    r"i give (?:you |it )?(?:a |an )?|i'd give (?:you |it )?(?:a |an )?))?"
    + SCORE
    + r"(?:\s*(?:/|de|of|out of)\s*(?:5|cinco|five))?"
    r"(?:\s*(?:estrellas?|stars?|puntos?|points?))?[^\w?]*$",
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
    """The score in a customer's reply to the question, or None when it is not one. A question
    back ("¿y el 4?") is never an answer."""
    said = unicodedata.normalize("NFC", text).strip()
    if not said or len(said) > 40 or "?" in said or "¿" in said:
        return None
    lowered = said.casefold().rstrip("!.¡ ").strip()
    if lowered in YES or lowered in NO:  # before thanks are dropped: "no, gracias" is none
        return Answer(5 if lowered in YES else 1, True)
    rated = THANKS.sub("", said).strip().rstrip("!.¡ ").strip()
    if STARS.match(rated.replace(" ", "")):
        return Answer(len(rated.replace(" ", "")), False)
    if rated in FACES:
        return Answer(FACES[rated], False)
    found = RATING.match(" ".join(rated.split()))
    if found is None:
        return None
    score = found[1].casefold()
    return Answer(WORDS.get(score) or int(score), False)


def satisfied(answer: Answer) -> bool:
    """CSAT counts 4 and 5 as satisfied."""
    return answer.score >= 4
