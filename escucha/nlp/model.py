"""A trained analysis model: one featurizer, several linear heads, one matrix product.

Every head (Spanish sentiment, English sentiment, complaint, offensive, ...) reads the same
feature row, so a batch is featurised once and scored for everything with `X @ W + b`.
Saved as a versioned folder: `weights.npz` (IDF and weights, packed: see `packing`) and
`card.json` (what data it was trained on, under which licences, how well it did, and the
checksum of its weights).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from escucha.nlp import packing
from escucha.nlp.features import Featurizer

WEIGHTS = "weights.npz"
CARD = "card.json"


class CorruptModel(ValueError):
    """The weights on disk are not the ones the card describes."""


@dataclass(frozen=True)
class Head:
    """Columns of the weight matrix that answer one question."""

    name: str
    labels: tuple[str, ...]  # one column per label; a yes/no head has one column for "yes"
    start: int
    threshold: float = 0.0  # yes/no heads: decision above this means yes

    @property
    def width(self) -> int:
        return len(self.labels) if len(self.labels) > 2 else 1

    @property
    def binary(self) -> bool:
        return self.width == 1


@dataclass
class LinearModel:
    featurizer: Featurizer
    weights: np.ndarray  # featurizer.width × total head columns
    bias: np.ndarray
    heads: dict[str, Head]
    card: dict[str, Any] = field(default_factory=dict)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        return self.score_blocks(self.featurizer.blocks(texts))

    def score_blocks(self, blocks: Sequence[sparse.csr_matrix]) -> np.ndarray:
        """X @ W + b, a block at a time: no need to stitch the blocks into one matrix."""
        total = np.tile(self.bias, (blocks[0].shape[0], 1))
        start = 0
        for block in blocks:
            total += block @ self.weights[start : start + block.shape[1]]
            start += block.shape[1]
        return total

    def decide(self, head_name: str, scores: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Labels, and a confidence in [0, 1] per row, from a batch's scores."""
        head = self.heads[head_name]
        block = scores[:, head.start : head.start + head.width]
        if head.binary:
            margin = block[:, 0] - head.threshold
            labels = [head.labels[1] if m > 0 else head.labels[0] for m in margin]
            return labels, 1.0 / (1.0 + np.exp(-np.abs(margin)))
        probabilities = self.probabilities(head_name, scores)
        best = probabilities.argmax(axis=1)
        return [head.labels[i] for i in best], probabilities.max(axis=1)

    def probabilities(self, head_name: str, scores: np.ndarray) -> np.ndarray:
        """Softmax over a multi-class head's columns, in the order of its labels."""
        head = self.heads[head_name]
        block = scores[:, head.start : head.start + head.width]
        shifted = np.exp(block - block.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights, "bias": self.bias, **self.featurizer.to_arrays()}

    def packed(self) -> LinearModel:
        """This model as saving and loading it gives it back: to measure what packing costs."""
        return self._with_arrays(packing.round_trip(self.arrays()), self.heads, self.card)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        heads = {name: [list(h.labels), h.start, h.threshold] for name, h in self.heads.items()}
        np.savez_compressed(folder / WEIGHTS, allow_pickle=False, **packing.pack(self.arrays()))
        self.card.update(
            heads=heads,
            weights={
                "encoding": packing.ENCODING,
                "packing": packing.PACKING,
                "bytes": (folder / WEIGHTS).stat().st_size,
                "sha256": checksum(folder / WEIGHTS),
            },
        )
        (folder / CARD).write_text(json.dumps(self.card, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, folder: Path) -> LinearModel:
        card = json.loads((folder / CARD).read_text())
        expected = card.get("weights", {}).get("sha256")
        if expected and checksum(folder / WEIGHTS) != expected:
            raise CorruptModel(f"{folder / WEIGHTS} does not match the checksum in its card")
        with np.load(folder / WEIGHTS, allow_pickle=False) as stored:
            packed = {k: stored[k] for k in stored.files}
        heads = {
            name: Head(name, tuple(labels), int(start), float(threshold))
            for name, (labels, start, threshold) in card["heads"].items()
        }
        return cls._with_arrays(packing.unpack(packed), heads, card)

    @classmethod
    def _with_arrays(
        cls, arrays: dict[str, np.ndarray], heads: dict[str, Head], card: dict[str, Any]
    ) -> LinearModel:
        return cls(
            featurizer=Featurizer.from_arrays(arrays),
            weights=arrays["weights"],
            bias=arrays["bias"],
            heads=heads,
            card=dict(card),
        )


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
