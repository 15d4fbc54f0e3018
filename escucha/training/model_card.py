"""The model card a person reads (MODEL_CARD.md), rendered from the card.json a program reads."""

from __future__ import annotations

from typing import Any

FILE = "MODEL_CARD.md"


def render(card: dict[str, Any]) -> str:
    weights = card["weights"]
    lines = [
        f"# escucha analysis model {card['version']}",
        "",
        "Linear heads over hashed word and character n-grams and lexicon counts, trained by "
        "`escucha train --release` and shipped inside the escucha package. Heads: "
        + ", ".join(f"`{h}`" for h in card["heads"])
        + ".",
        "",
        "## Terms",
        "",
        card["terms"],
        "",
        "## Data",
        "",
        "| corpus | rows | dataset | source | licence | terms |",
        "|---|---|---|---|---|---|",
    ]
    for name, info in card["data"].items():
        lines.append(
            f"| {name} | {info['rows']:,} | {info['dataset']} | {info['citation']} "
            f"| {info['licence']} | {info['terms']} |"
        )
    lines += [
        "",
        "Features also read the bundled lexicons: ElhPolar (LGPLLR) and AFINN-es (ODbL), see "
        "`escucha/nlp/lexicons/ATTRIBUTION.md`, and VADER's English lexicon (MIT).",
        "",
        f"## Figures ({card['folds']}-fold cross-validation, macro-F1)",
        "",
        "Each fold's model scored as trained (float32) and as shipped (packed), on the same folds.",
        "",
        "| task | n | float | shipped | change |",
        "|---|---|---|---|---|",
    ]
    for figures in card["cross_validation"].values():
        lines.append(
            f"| {figures['title']} | {figures['n']:,} | {figures['float']:.4f} "
            f"| {figures['packed']:.4f} | {figures['change']:+.4f} |"
        )
    lines += [
        "",
        "## Gold set (hand-labelled, never trained on), macro-F1",
        "",
        "| set | this model | rules alone (no model) |",
        "|---|---|---|",
    ]
    for key, value in card["gold"]["model"].items():
        lines.append(f"| {key} | {value:.3f} | {card['gold']['rules'][key]:.3f} |")
    lines += [
        "",
        "## File",
        "",
        f"`weights.npz`, {weights['bytes']:,} bytes, {weights['encoding']}; "
        f"sha256 `{weights['sha256']}`; loads in {card['load_seconds']} s.",
        "",
    ]
    return "\n".join(lines)
