"""The tone check measured: precision and recall per rule on replies written for the project.

`escucha/training/tone/replies_{es,en}.jsonl` holds replies a community manager might post,
each labelled with the rules it breaks (and none for a good reply), written apart from the
rules by a different hand. The rules were scored on it once, then fixed where it showed gaps;
`heldout_{es,en}.jsonl` was written after that, by another hand, and is only ever scored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from escucha.care.tone import RULES, Reply, check

LANGUAGES = ("es", "en")


@dataclass(frozen=True)
class RuleScore:
    rule: str
    support: int  # replies that break it
    flagged: int  # replies the check flagged
    correct: int  # flagged and breaking it

    @property
    def precision(self) -> float:
        return self.correct / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.support if self.support else 1.0


SETS = ("replies", "heldout")  # heldout: written after the rules were tuned, scored untouched


def load(language: str, name: str = "replies") -> list[dict[str, Any]]:
    path = resources.files("escucha.training") / "tone" / f"{name}_{language}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def as_reply(row: dict[str, Any]) -> Reply:
    return Reply(row["text"], row["lang"], row["platform"], row["customer"], row["complaint"])


def score(rows: list[dict[str, Any]]) -> tuple[list[RuleScore], float]:
    """Per-rule scores, and the share of replies whose findings are exactly right."""
    found = [{f.rule for f in check(as_reply(row))} for row in rows]
    scores = []
    for rule in RULES:
        wanted = [rule in row["findings"] for row in rows]
        flagged = [rule in got for got in found]
        hits = sum(w and f for w, f in zip(wanted, flagged, strict=True))
        scores.append(RuleScore(rule, sum(wanted), sum(flagged), hits))
    exact = sum(set(row["findings"]) == got for row, got in zip(rows, found, strict=True))
    return scores, exact / len(rows) if rows else 0.0


def mistakes(rows: list[dict[str, Any]]) -> list[tuple[str, set[str], set[str]]]:
    """Each reply whose findings differ from its labels: id, missed, wrongly flagged."""
    wrong = []
    for row in rows:
        got, wanted = {f.rule for f in check(as_reply(row))}, set(row["findings"])
        if got != wanted:
            wrong.append((row["id"], wanted - got, got - wanted))
    return wrong
