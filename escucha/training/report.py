"""Printing `escucha eval`: the targets table, per-class F1, confusion matrices, tone rules."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from rich.console import Console
from rich.table import Table

from escucha.nlp.analyzer import Analyzer
from escucha.training import gold, tone_set
from escucha.training.evaluate import TARGETS, Result, evaluate, load_corpora
from escucha.training.gold import GoldScore
from escucha.training.tone_set import RuleScore


def run_gold(analyzer: Analyzer, as_json: bool, console: Console) -> list[GoldScore]:
    scores = gold.score(analyzer)
    if as_json:
        for s in scores:
            sys.stdout.write(json.dumps({"target": f"gold {s.lang} {s.field}", **asdict(s)}) + "\n")
        return scores
    model = analyzer.model.card.get("version") if analyzer.model else "lexicons and rules"
    table = Table(title=f"gold set (hand-labelled, never trained on), model {model}")
    for column in ("lang", "field", "n", "macro-F1", "per-class F1"):
        table.add_column(column, overflow="fold")
    for s in scores:
        per_class = ", ".join(f"{k} {v:.2f}" for k, v in s.per_class.items())
        table.add_row(s.lang, s.field, str(s.n), f"{s.macro_f1:.3f}", per_class)
    console.print(table)
    for s in scores:
        if s.field == "intent":
            _confusion(f"gold {s.lang} intent", s.labels, s.confusion, console)
    return scores


def _confusion(title: str, labels: list[str], confusion: list[list[int]], console: Console) -> None:
    matrix = Table(title=f"{title}: confusion (rows gold, columns predicted)")
    matrix.add_column("")
    for label in labels:
        matrix.add_column(label[:6], justify="right")
    for label, row in zip(labels, confusion, strict=True):
        matrix.add_row(label, *(str(v) for v in row))
    console.print(matrix)


def run_evaluation(
    folds: int, names: list[str] | None, as_json: bool, console: Console
) -> list[Result]:
    corpora = load_corpora()
    targets = [t for t in TARGETS if not names or t.corpus in names]
    results = []
    for target in targets:
        with console.status(f"{target.title}: {folds}-fold cross-validation"):
            result = evaluate(target, corpora, folds)
        results.append(result)
        if as_json:
            sys.stdout.write(json.dumps(as_record(result)) + "\n")
    if not as_json:
        render(results, folds, console)
    return results


def as_record(result: Result) -> dict[str, object]:
    return {
        "target": result.target.title,
        "dataset": result.target.corpus,
        "n": result.n,
        "macro_f1": round(result.macro_f1, 4),
        "per_class_f1": result.per_class,
        "folds": [round(f, 4) for f in result.folds],
        "texts_per_s": round(result.texts_per_s),
        "goal": result.target.goal,
        "passed": result.passed,
        "labels": result.labels,
        "confusion": result.confusion,
    }


def render(results: list[Result], folds: int, console: Console) -> None:
    table = Table(
        title=f"escucha eval: macro-F1 by {folds}-fold cross-validation, through escucha analyze"
    )
    for column in (
        "task",
        "dataset",
        "n",
        "macro-F1",
        "per-class F1",
        "texts/s",
        "target",
        "references",
    ):
        table.add_column(column, overflow="fold")
    for r in results:
        goal = (
            "report"
            if r.target.goal is None
            else f">= {r.target.goal:.2f} " + ("[green]met[/]" if r.passed else "[red]not met[/]")
        )
        per_class = ", ".join(f"{k} {v:.3f}" for k, v in r.per_class.items())
        table.add_row(
            r.target.title,
            r.target.corpus,
            f"{r.n:,}",
            f"{r.macro_f1:.4f}",
            per_class,
            f"{r.texts_per_s:,.0f}",
            goal,
            r.target.reference,
        )
    console.print(table)
    for r in results:
        _confusion(r.target.corpus, r.labels, r.confusion, console)


def run_tone(as_json: bool, console: Console) -> dict[str, list[RuleScore]]:
    """Precision and recall of each tone rule, per set and language, on labelled replies."""
    results = {}
    for name in tone_set.SETS:
        for language in tone_set.LANGUAGES:
            rows = tone_set.load(language, name)
            scores, exact = tone_set.score(rows)
            results[f"{name} {language}"] = scores
            if as_json:
                for s in scores:
                    line = {"target": f"tone {name} {language} {s.rule}", **asdict(s),
                            "precision": s.precision, "recall": s.recall}  # fmt: skip
                    sys.stdout.write(json.dumps(line) + "\n")
                continue
            title = f"tone check, {name} {language}: {len(rows)} replies, {exact:.0%} exactly right"
            table = Table(title=title)
            for column in ("rule", "breaking", "flagged", "precision", "recall"):
                table.add_column(column, justify="left" if column == "rule" else "right")
            for s in scores:
                table.add_row(s.rule, str(s.support), str(s.flagged), f"{s.precision:.2f}",
                              f"{s.recall:.2f}")  # fmt: skip
            console.print(table)
    return results
