"""Which analysis model a process uses: a version trained here, else the one escucha ships.

Trained versions are folders under the models directory (ESCUCHA_MODELS_DIR), named by UTC
timestamp, so the newest is the last in name order. The shipped model is package data
(`analysis/shipped/`), so a clone, a wheel and the Docker image all have it.
ESCUCHA_MODEL_VERSION picks one: `latest` (the newest trained version, else the shipped one),
`shipped`, `rules` (no model: lexicons and rules alone), or a trained version's name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from escucha.nlp import packing
from escucha.nlp.features import FORMAT
from escucha.nlp.model import CARD, WEIGHTS, LinearModel

LATEST = "latest"
SHIPPED = "shipped"
RULES = "rules"
SHIPPED_DIR = Path(__file__).resolve().parent / "shipped"

Origin = Literal["trained", "shipped", "rules"]


@dataclass(frozen=True)
class Choice:
    """The model a setting resolves to, and where it comes from."""

    origin: Origin
    version: str | None = None
    folder: Path | None = None
    why: str = ""  # for rules: why there is no model

    def describe(self) -> str:
        if self.origin == "rules":
            return f"none: lexicons and rules ({self.why})"
        where = "shipped with escucha" if self.origin == "shipped" else f"trained, {self.folder}"
        return f"{self.version} ({where})"


def versions(models_dir: Path) -> list[str]:
    """Trained versions this escucha can read; those of an older format are left out."""
    if not models_dir.is_dir():
        return []
    return sorted(p.name for p in models_dir.iterdir() if _readable(p))


def _readable(folder: Path) -> bool:
    return _readable_card(folder) is not None


def _readable_card(folder: Path) -> dict[str, Any] | None:
    """The folder's card when this escucha can load its model; None otherwise."""
    if not (folder / CARD).is_file() or not (folder / WEIGHTS).is_file():
        return None
    card: dict[str, Any] = json.loads((folder / CARD).read_text())
    readable = (
        card.get("features", {}).get("format") == FORMAT
        and card.get("weights", {}).get("packing") == packing.PACKING
    )
    return card if readable else None


def shipped() -> Choice:
    card = _readable_card(SHIPPED_DIR)
    if card is None:
        return Choice("rules", why=f"no readable model in {SHIPPED_DIR}")
    return Choice("shipped", str(card["version"]), SHIPPED_DIR)


def choose(models_dir: Path, version: str = LATEST) -> Choice:
    if version == RULES:
        return Choice("rules", why=f"ESCUCHA_MODEL_VERSION={RULES}")
    if version == SHIPPED:
        return shipped()
    known = versions(models_dir)
    if version == LATEST:
        return Choice("trained", known[-1], models_dir / known[-1]) if known else shipped()
    if version in known:
        return Choice("trained", version, models_dir / version)
    if (default := shipped()).version == version:
        return default
    raise FileNotFoundError(
        f"model version {version!r} is neither shipped nor in {models_dir}, or was built by an "
        f"older escucha (readable: {known}); retrain with `escucha train`"
    )


def load_choice(choice: Choice) -> LinearModel | None:
    return LinearModel.load(choice.folder) if choice.folder else None


def load(models_dir: Path, version: str = LATEST) -> LinearModel | None:
    return load_choice(choose(models_dir, version))


def new_version() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def save(model: LinearModel, models_dir: Path) -> str:
    version = new_version()
    model.card["version"] = version
    model.save(models_dir / version)
    return version
