"""Satisfaction asked in the channel after a resolution, and the answers read from a case.

Pure. The question goes out once per case cycle, a few minutes after the resolution, in the
customer's language, only where the tenant asked for it (by default in direct messages only).
The answer is the customer's first message after the question that reads as a rating
(`escucha.nlp.rating`), pleasantries aside; anything else first means they did not answer. An
answer is kept on the case without reopening it, as a "gracias" is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from escucha.core.models import as_utc
from escucha.core.tenant import Csat
from escucha.nlp.pleasantries import is_pleasantry
from escucha.nlp.rating import read_answer
from escucha.store.cases import History
from escucha.store.contacts import identity_of
from escucha.store.schema import MentionRow

ASK = {
    "es": "¿Cómo valorarías nuestra atención del 1 al 5? Responde con un número; nos ayuda a "
    "mejorar.",
    "en": "How would you rate our help from 1 to 5? Reply with a number; it helps us improve.",
}  # fmt: skip
KEY_PREFIX = "csat:"
DIGEST = 40
ANSWER_WINDOW = timedelta(days=7)  # a rating later than this answers nothing we asked


@dataclass(frozen=True)
class Asked:
    cycle: int
    at: datetime  # when the question reached the customer


@dataclass(frozen=True)
class Rating:
    cycle: int  # the cycle the question was about
    mention_id: str
    at: datetime
    score: int  # 1-5
    binary: bool  # a yes (5) or a no (1) rather than a number
    identity: tuple[str, str]  # who answered, as contacts know them: (kind, value)


def ask(language: str) -> str:
    return ASK.get(language, ASK["en"])


def ask_key(tenant: str, case_id: str, cycle: int) -> str:
    """The outbox key of a cycle's question: once per case cycle, short whatever the case id."""
    digest = hashlib.sha256(f"{tenant}:{case_id}".encode()).hexdigest()[:DIGEST]
    return f"{KEY_PREFIX}{cycle}:{digest}"


def should_ask(policy: Csat, status: str, resolved_at: datetime | None, direct: bool,
               now: datetime) -> bool:  # fmt: skip
    """Whether a case may be asked now: resolved a while ago, where the tenant wants it."""
    if not policy.ask or status != "resolved" or resolved_at is None:
        return False
    if not direct and not policy.in_public:
        return False
    return as_utc(resolved_at) + timedelta(minutes=policy.after_minutes) <= now


def asked(history: History) -> list[Asked]:
    """The questions that went out on the case, oldest first: escucha's own rows only, keyed
    as `ask_key` makes them (API keys under the prefix are refused, `reserved`)."""
    found = []
    for reply in history.replies:
        cycle = _cycle_of(reply.key)
        if cycle is not None and reply.author == "automation" and reply.sent_at is not None:
            found.append(Asked(cycle, as_utc(reply.sent_at)))
    return sorted(found, key=lambda a: a.at)


def reserved(key: str) -> bool:
    """Whether an idempotency key is one only escucha may use."""
    return key.startswith(KEY_PREFIX)


def _cycle_of(key: str) -> int | None:
    cycle, _, digest = key.removeprefix(KEY_PREFIX).partition(":")
    if not reserved(key) or not cycle.isdigit() or len(digest) != DIGEST:
        return None
    return int(cycle)


def ratings(history: History) -> list[Rating]:
    """Each question's answer, when the customer gave one."""
    questions = asked(history)
    customer = [m for m in history.mentions if m.inbound]
    found = []
    for n, question in enumerate(questions):
        ends = questions[n + 1].at if n + 1 < len(questions) else question.at + ANSWER_WINDOW
        after = [m for m in customer if question.at < as_utc(m.created_at) <= ends]
        rating = _first_answer(question.cycle, after)
        if rating is not None:
            found.append(rating)
    return found


def _first_answer(cycle: int, said: list[MentionRow]) -> Rating | None:
    for mention in sorted(said, key=lambda m: m.created_at):
        answer = read_answer(mention.text)
        if answer is not None:
            identity = identity_of(mention.source, mention.author_id, mention.author)
            return Rating(cycle, mention.id, as_utc(mention.created_at), answer.score,
                          answer.binary, identity)  # fmt: skip
        if not is_pleasantry(mention.text):
            return None  # they wrote about something else: the question went unanswered
    return None
