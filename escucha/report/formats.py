"""How figures are written for people: shares as percentages, durations in minutes or hours."""

from __future__ import annotations


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def minutes(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h"


def signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"
