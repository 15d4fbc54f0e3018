"""`escucha bench-analysis`: how fast one core analyses, how long the model takes to load, how much
memory it holds. Figures, not assertions: compare them as ratios within one run."""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from escucha.nlp import language, registry, text
from escucha.nlp.analyzer import Analyzer

BATCH = 1000


@dataclass
class AnalysisBench:
    texts: int
    model_version: str | None
    load_s: float
    texts_per_s: float
    us_per_text: dict[str, float]
    peak_rss_mb: float


def text_pool() -> list[str]:
    """Real tweets when ../shared/data is there (35k distinct), else the bundled demo sample."""
    from escucha.training.datasets import LOADERS, DataMissing

    try:
        texts = [t for load in LOADERS.values() for t in load().texts]
        return list(dict.fromkeys(texts))  # distinct texts, so most chunks arrive unseen
    except DataMissing:
        sample = resources.files("escucha.cli.demo") / "sample_mentions.jsonl"
        lines = sample.read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["text"] for line in lines]


def sample_texts(count: int) -> list[str]:
    pool = text_pool()
    return [pool[i % len(pool)] for i in range(count)]


def _timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return time.perf_counter() - started


def run(models_dir: Path, version: str, count: int) -> AnalysisBench:
    texts = sample_texts(count)
    started = time.perf_counter()
    model = registry.load(models_dir, version)
    analyzer = Analyzer(model)
    analyzer.analyze_many(["warm up"], ["es"])
    language.by_model("warm up the language model")  # its load belongs to start-up, not per text
    load_s = time.perf_counter() - started
    batches = [texts[i : i + BATCH] for i in range(0, len(texts), BATCH)]
    cleaned: list[list[str]] = []
    langs: list[list[str]] = []

    def clean_all() -> None:
        cleaned.extend([text.clean(t).text for t in batch] for batch in batches)

    def detect_all() -> None:
        langs.extend([language.detect(t)[0] for t in batch] for batch in cleaned)

    def analyze_all() -> None:
        for batch, batch_langs in zip(cleaned, langs, strict=True):
            analyzer.analyze_many(batch, batch_langs)

    seconds = {
        "clean": _timed(clean_all),
        "language": _timed(detect_all),
        "analyze": _timed(analyze_all),
    }
    total = sum(seconds.values())
    return AnalysisBench(
        texts=count,
        model_version=model.card.get("version") if model else None,
        load_s=round(load_s, 3),
        texts_per_s=round(count / total, 1),
        us_per_text={k: round(v / count * 1e6, 1) for k, v in seconds.items()},
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    )


def as_json(result: AnalysisBench) -> str:
    return json.dumps(asdict(result))
