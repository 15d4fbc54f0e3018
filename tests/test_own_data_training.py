"""A business that needs other terms than the shared corpora's trains on its own history."""

import json

import pytest

from escucha.nlp import registry
from escucha.nlp.analyzer import Analyzer
from escucha.nlp.batch import analyze_texts
from escucha.training.custom import train_version


def history(tmp_path):
    path = tmp_path / "history.jsonl"
    rows = (
        [{"text": f"el pedido {n} llegó roto, fatal", "label": "negative"} for n in range(30)]
        + [
            {"text": f"el pedido {n} llegó perfecto, gracias", "label": "positive"}
            for n in range(30)
        ]
        + [{"text": f"el pedido {n} sale mañana", "label": "neutral"} for n in range(30)]
    )
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_data_only_trains_on_that_file_alone_and_says_whose_terms_apply(tmp_path):
    models = tmp_path / "models"
    version, card = train_version(models, history(tmp_path), "sentiment_es", data_only=True)
    assert set(card["data"]) == {"your_data"} and card["terms"].startswith("yours")
    assert set(card["heads"]) == {"sentiment_es"}
    chosen = registry.choose(models)
    assert (chosen.origin, chosen.version) == ("trained", version)
    analyses = analyze_texts(
        Analyzer(registry.load_choice(chosen)),
        ["el pedido 99 llegó roto, fatal", "el pedido 98 llegó perfecto, gracias"],
    )
    assert [a.sentiment.value for a in analyses] == ["negative", "positive"]


def test_data_only_without_a_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="--data-only needs --data"):
        train_version(tmp_path / "models", None, "sentiment_es", data_only=True)
