"""Training a new model version: the shared corpora, plus a business's own labelled history."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from escucha.channels.imports import read_file
from escucha.nlp import registry
from escucha.training.datasets import LOADERS, Corpus, DataMissing
from escucha.training.train import HEADS, HeadSpec, train

CUSTOM = "your_data"


def read_labelled(path: Path) -> Corpus:
    """A CSV or JSONL with `text` and `label` columns; rows missing either are skipped."""
    from escucha.nlp.text import clean

    rows = [r.data for r in read_file(path) if r.problem is None and isinstance(r.data, dict)]
    pairs = [(str(r.get("text", "")), str(r.get("label", "")).strip().lower()) for r in rows]
    kept = [(clean(t).text, label) for t, label in pairs if t.strip() and label]
    if not kept:
        raise ValueError(f"{path}: no rows with both text and label")
    return Corpus(CUSTOM, "", [t for t, _ in kept], [label for _, label in kept])


def _available() -> dict[str, Corpus]:
    corpora = {}
    for name, load in LOADERS.items():
        try:
            corpora[name] = load()
        except DataMissing:
            continue
    return corpora


def train_version(
    models_dir: Path, data: Path | None, head: str, data_only: bool = False
) -> tuple[str, dict[str, Any]]:
    """A new version under models_dir; `data_only` leaves the shared corpora out (their terms)."""
    if data_only and data is None:
        raise ValueError("--data-only needs --data FILE")
    corpora = {} if data_only else _available()
    heads: tuple[HeadSpec, ...] = HEADS
    if data is not None:
        corpora[CUSTOM] = read_labelled(data)
        heads = tuple(_with_custom(h) if h.name == head else h for h in HEADS)
        if head not in {h.name for h in HEADS}:
            raise ValueError(f"unknown head {head!r}; one of {[h.name for h in HEADS]}")
    if not corpora:
        raise DataMissing("no labelled data: neither ../shared/data nor --data FILE")
    model = train(corpora, heads)
    version = registry.save(model, models_dir)
    return version, model.card


def _with_custom(spec: HeadSpec) -> HeadSpec:
    # A business's own history is the best evidence of its own customers: it weighs double.
    return replace(spec, corpora={**spec.corpora, CUSTOM: 2.0})
