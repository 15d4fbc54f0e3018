"""How figures are written for people (shares as percentages, durations in minutes or hours),
and the files a report is exported as."""

from __future__ import annotations

from typing import Literal

Export = Literal["html", "pdf", "csv", "cases-csv", "xlsx"]  # csv: the period's mentions
WITH_CASES: frozenset[str] = frozenset({"cases-csv", "xlsx"})  # the exports that list cases
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "cases-csv": "text/csv; charset=utf-8",
    "xlsx": XLSX,
}
SUFFIXES = {"html": "html", "pdf": "pdf", "csv": "mentions.csv", "cases-csv": "cases.csv",
            "xlsx": "xlsx"}  # fmt: skip


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def minutes(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h"


def signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"


def filename(tenant: str, label: str, output_format: Export) -> str:
    """The download's name, "escucha-acme-2026-11.xlsx": ids and labels hold no quote nor slash."""
    return f"escucha-{tenant}-{label}.{SUFFIXES[output_format]}"
