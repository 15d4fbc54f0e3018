"""The report's charts, drawn server-side with matplotlib (offline, no display), each returned
as PNG bytes that HTML and PDF embed alike.

Figures are made with `matplotlib.figure.Figure`, not pyplot: no global figure state, so two
reports drawn at once in one process never share a canvas.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from escucha.report.contents import DayVolume, Voice

POSITIVE, NEUTRAL, NEGATIVE = "#2e9e5b", "#b8bec7", "#d64545"
OWN, OTHER = "#2f6fb0", "#9aa5b1"
DPI = 110


def volume_chart(days: Sequence[DayVolume], labels: Sequence[str]) -> bytes:
    """Mentions per day, stacked by sentiment: negative at the bottom, where it is seen."""
    figure, axes = _canvas(7.2, 2.8)
    x = range(len(days))
    negative = [d.negative for d in days]
    neutral = [d.neutral for d in days]
    positive = [d.positive for d in days]
    axes.bar(x, negative, color=NEGATIVE, label=labels[0])
    axes.bar(x, neutral, bottom=negative, color=NEUTRAL, label=labels[1])
    axes.bar(x, positive, bottom=[a + b for a, b in zip(negative, neutral, strict=True)],
             color=POSITIVE, label=labels[2])  # fmt: skip
    ticks = [i for i in x if len(days) <= 10 or i % max(1, len(days) // 10) == 0]
    axes.set_xticks(ticks, [days[i].day.strftime("%d/%m") for i in ticks], fontsize=8)
    axes.legend(fontsize=8, frameon=False, ncols=3, loc="upper left")
    return _png(figure, axes)


def voice_chart(voices: Sequence[Voice], label: str) -> bytes:
    """Mentions of the tenant and of each competitor, the tenant in its own colour."""
    figure, axes = _canvas(7.2, 0.5 + 0.45 * max(1, len(voices)))
    names = [v.name for v in voices][::-1]
    counts = [v.mentions for v in voices][::-1]
    colours = [OWN if v.own else OTHER for v in voices][::-1]
    axes.barh(names, counts, color=colours)
    for y, count in enumerate(counts):
        axes.text(count, y, f" {count}", va="center", fontsize=8)
    axes.set_xlabel(label, fontsize=8)
    return _png(figure, axes)


def funnel_chart(steps: Sequence[tuple[str, int]]) -> bytes:
    """A funnel as bars narrowing left to right, each with its count."""
    figure, axes = _canvas(7.2, 2.4)
    names, counts = [s[0] for s in steps], [s[1] for s in steps]
    axes.bar(names, counts, color=[OWN, "#5b8fc7", POSITIVE][: len(steps)])
    for x, count in enumerate(counts):
        axes.text(x, count, f"{count}", ha="center", va="bottom", fontsize=9)
    return _png(figure, axes)


def _canvas(width: float, height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height))
    return figure, figure.subplots()


def _png(figure: Figure, axes: Axes) -> bytes:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(labelsize=8)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
