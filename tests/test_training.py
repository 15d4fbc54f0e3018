"""Training on the shared labelled data, and the evaluation floors (a regression fails)."""

import json
import subprocess
import sys

import pytest

from escucha.nlp import registry
from escucha.nlp.analyzer import Analyzer
from escucha.nlp.batch import analyze_texts
from escucha.training.custom import read_labelled, train_version
from escucha.training.evaluate import TARGETS, evaluate, load_corpora
from tests.factories import QUOTE_LUGGAGE, QUOTE_SERVICE

pytestmark = pytest.mark.data

# A little below the figures `escucha eval` measured (README), so a regression fails.
FLOORS = {"tass2020": 0.59, "es_airlines": 0.565, "us_airlines": 0.75, "emoevent_offensive": 0.77}


@pytest.fixture(scope="module")
def corpora(shared_data):
    return load_corpora()


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.corpus)
def test_cross_validated_macro_f1_stays_above_its_floor(corpora, target):
    result = evaluate(target, corpora, folds=5)
    assert result.macro_f1 >= FLOORS[target.corpus], (
        target.corpus,
        result.macro_f1,
        result.per_class,
    )
    assert sum(map(sum, result.confusion)) == result.n == len(corpora[target.corpus])


def test_a_business_retrains_on_its_own_history(shared_data, tmp_path):
    history = tmp_path / "history.csv"
    rows = (
        ["text,label"]
        + [f'"el pedido {n} llegó roto, fatal",negative' for n in range(20)]
        + [f'"el pedido {n} llegó perfecto, gracias",positive' for n in range(20)]
        + [f'"el pedido {n} sale mañana",neutral' for n in range(20)]
    )
    history.write_text("\n".join(rows), encoding="utf-8")
    assert len(read_labelled(history)) == 60
    version, card = train_version(tmp_path / "models", history, "sentiment_es")
    assert card["data"]["your_data"]["rows"] == 60
    analyzer = Analyzer(registry.load(tmp_path / "models", version))
    quotes = analyze_texts(
        analyzer, [QUOTE_SERVICE, QUOTE_LUGGAGE, "Gracias, el vuelo fue perfecto 😍"]
    )
    assert [a.sentiment.value for a in quotes] == ["negative", "negative", "positive"]
    assert quotes[0].complaint and quotes[1].intent.value == "claim"


def test_eval_command_prints_json_per_target(shared_data):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "escucha",
            "eval",
            "--folds",
            "2",
            "--target",
            "emoevent_offensive",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    records = [json.loads(line) for line in result.stdout.splitlines()]
    (record,) = [r for r in records if r.get("dataset") == "emoevent_offensive"]
    assert record["n"] == 6567 and 0 < record["macro_f1"] <= 1 and record["texts_per_s"] > 0
    gold = {r["target"] for r in records if r["target"].startswith("gold")}
    assert gold == {
        f"gold {lang} {field}"
        for lang in ("es", "en")
        for field in ("intent", "sentiment", "complaint")
    }
