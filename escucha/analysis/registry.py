"""Where trained models live: one folder per version under the models directory.

Versions are UTC timestamps, so "latest" is the last in name order. Workers load the version
settings name (ESCUCHA_MODEL_VERSION, default "latest").
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from escucha.analysis.features import FORMAT
from escucha.analysis.model import CARD, LinearModel

LATEST = "latest"


def versions(models_dir: Path) -> list[str]:
    """Versions this escucha can read; those built by an older featurizer are left out."""
    if not models_dir.is_dir():
        return []
    return sorted(p.name for p in models_dir.iterdir() if _readable(p))


def _readable(folder: Path) -> bool:
    card = folder / CARD
    if not card.exists():
        return False
    return json.loads(card.read_text()).get("features", {}).get("format") == FORMAT


def resolve(models_dir: Path, version: str = LATEST) -> Path | None:
    known = versions(models_dir)
    if version == LATEST:
        return models_dir / known[-1] if known else None
    if version not in known:
        raise FileNotFoundError(
            f"model version {version!r} not in {models_dir}, or built by an older escucha "
            f"(readable: {known}); retrain with `escucha train`"
        )
    return models_dir / version


def load(models_dir: Path, version: str = LATEST) -> LinearModel | None:
    folder = resolve(models_dir, version)
    return LinearModel.load(folder) if folder else None


def save(model: LinearModel, models_dir: Path) -> str:
    version = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    model.card["version"] = version
    model.save(models_dir / version)
    return version
