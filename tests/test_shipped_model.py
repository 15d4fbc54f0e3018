"""The model escucha ships: the file its card describes, loaded fast, chosen in every place."""

import json
import shutil
import time

import numpy as np
import pytest

from escucha.core.models import Intent, Sentiment
from escucha.nlp import packing, registry
from escucha.nlp.analyzer import Analyzer
from escucha.nlp.batch import analyze_texts
from escucha.nlp.model import CARD, WEIGHTS, CorruptModel, LinearModel, checksum
from escucha.training.evaluate import TARGETS
from escucha.training.model_card import FILE as MODEL_CARD
from tests.factories import QUOTE_LUGGAGE, QUOTE_SERVICE

SHIPPED = registry.SHIPPED_DIR
COMMENT = "Tres semanas esperando mi pedido y nadie responde, quiero mi reembolso"


@pytest.fixture(scope="module")
def card():
    return json.loads((SHIPPED / CARD).read_text())


def test_the_shipped_file_is_the_one_its_card_describes(card):
    weights = SHIPPED / WEIGHTS
    assert checksum(weights) == card["weights"]["sha256"]
    assert weights.stat().st_size == card["weights"]["bytes"] < 8_000_000
    assert card["weights"]["sha256"] in (SHIPPED / MODEL_CARD).read_text()


def test_it_loads_in_under_two_seconds():
    started = time.perf_counter()
    model = LinearModel.load(SHIPPED)
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"loading the shipped model took {elapsed:.2f} s"
    assert set(model.heads) == {"sentiment_es", "sentiment_en", "complaint", "offensive_es"}


def test_its_card_names_every_dataset_with_its_licence_and_terms(card):
    assert {"tass2020", "es_airlines", "us_airlines", "emoevent_offensive"} <= set(card["data"])
    for name, info in card["data"].items():
        assert info["rows"] > 0 and info["licence"] and info["terms"] and info["citation"], name
    assert "non-commercial" in card["terms"] and "--data-only" in card["terms"]
    text = (SHIPPED / MODEL_CARD).read_text()
    assert all(info["dataset"] in text for info in card["data"].values())


def test_packing_moved_each_cross_validated_figure_by_at_most_half_a_point(card):
    figures = card["cross_validation"]
    assert set(figures) == {t.corpus for t in TARGETS}
    for corpus, f in figures.items():
        assert abs(f["packed"] - f["float"]) <= 0.005, (corpus, f)
        assert f["change"] == pytest.approx(f["packed"] - f["float"], abs=1e-4)


def test_the_shipped_model_reads_the_quotes_as_negative_complaints():
    analyses = analyze_texts(
        Analyzer(LinearModel.load(SHIPPED)), [QUOTE_SERVICE, QUOTE_LUGGAGE, COMMENT]
    )
    assert [a.sentiment for a in analyses] == [Sentiment.negative] * 3
    assert [a.intent for a in analyses] == [Intent.complaint, Intent.claim, Intent.claim]


def test_its_gold_figures_are_what_it_scores_now(card):
    from escucha.training import gold

    now = {
        f"{s.lang} {s.field}": round(s.macro_f1, 4)
        for s in gold.score(Analyzer(LinearModel.load(SHIPPED)))
    }
    assert now == card["gold"]["model"]


def test_a_damaged_file_is_refused(tmp_path):
    folder = tmp_path / "damaged"
    shutil.copytree(SHIPPED, folder)
    data = bytearray((folder / WEIGHTS).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / WEIGHTS).write_bytes(bytes(data))
    with pytest.raises(CorruptModel, match="checksum"):
        LinearModel.load(folder)


def test_latest_is_a_trained_version_when_there_is_one_else_the_shipped_model(tmp_path, card):
    models = tmp_path / "models"
    assert registry.choose(models).origin == "shipped"
    assert registry.choose(models).version == card["version"]
    assert "shipped with escucha" in registry.choose(models).describe()
    shutil.copytree(SHIPPED, models / "20990101T000000Z")
    (models / "20990101T000000Z" / CARD).write_text(
        json.dumps({**card, "version": "20990101T000000Z"})
    )
    (models / "19990101T000000Z").mkdir()  # not a model: no card
    assert registry.versions(models) == ["20990101T000000Z"]
    chosen = registry.choose(models)
    assert (chosen.origin, chosen.version) == ("trained", "20990101T000000Z")
    assert registry.choose(models, "shipped").origin == "shipped"
    assert registry.choose(models, card["version"]).origin == "shipped"
    assert registry.load(models, "rules") is None
    with pytest.raises(FileNotFoundError, match="neither shipped nor in"):
        registry.choose(models, "20000101T000000Z")


def test_an_older_format_is_passed_over(tmp_path, card):
    old = tmp_path / "models" / "20990101T000000Z"
    shutil.copytree(SHIPPED, old)
    (old / CARD).write_text(json.dumps({**card, "weights": {**card["weights"], "packing": 0}}))
    assert registry.choose(tmp_path / "models").origin == "shipped"


def test_with_the_shipped_file_gone_analysis_falls_back_to_the_rules(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "SHIPPED_DIR", tmp_path / "gone")
    chosen = registry.choose(tmp_path / "models")
    assert chosen.origin == "rules" and "no readable model" in chosen.describe()
    assert registry.load(tmp_path / "models") is None


def test_packing_keeps_seen_rows_and_every_weight_within_half_a_step():
    rng = np.random.default_rng(7)
    term_idf = np.where(rng.random(64) < 0.3, rng.uniform(1, 9, 64), 0).astype(np.float32)
    char_idf = np.where(rng.random(128) < 0.3, rng.uniform(1, 9, 128), 0).astype(np.float32)
    seen = np.concatenate([term_idf, char_idf, np.ones(11)]) > 0
    weights = (rng.standard_t(2, (len(seen), 4)) * 0.05 * seen[:, None]).astype(np.float32)
    arrays = {
        "weights": weights,
        "bias": rng.normal(size=4).astype(np.float32),
        "term_idf": term_idf,
        "char_idf": char_idf,
        "layout": np.array([2, 6, 7]),
    }
    packed = packing.pack(arrays)
    assert len(packed["codes"]) == seen.sum() and packed["codes"].dtype == np.int8
    back = packing.unpack(packed)
    step = np.abs(weights).max(axis=0) / packing.STEPS
    assert np.all(np.abs(back["weights"] - weights) <= step / 2 + 1e-7)
    assert np.array_equal(back["weights"][~seen], weights[~seen])  # unseen rows stay empty
    assert np.allclose(back["term_idf"], term_idf, rtol=1e-3)
    assert np.allclose(back["char_idf"], char_idf, rtol=1e-3)
    assert np.array_equal(back["bias"], arrays["bias"])
