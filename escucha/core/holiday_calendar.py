"""Public holidays by named calendar, from the `holidays` package: "ES-MD" is Spain with
Madrid's own days, "MX" Mexico. A business is closed on them as on its own extra dates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache

import holidays

# Where escucha's businesses are; any other country `holidays` knows can be added here.
COUNTRIES = ("ES", "MX", "CO", "AR", "CL", "PE", "US")


class CalendarError(ValueError):
    pass


def validate(code: str) -> str:
    """A calendar code, upper-cased, or CalendarError saying which codes exist."""
    country, _, region = code.strip().upper().partition("-")
    if country not in COUNTRIES:
        raise CalendarError(f"holiday calendar {code!r}: countries are {', '.join(COUNTRIES)}")
    regions = _regions(country)
    if region and region not in regions:
        known = ", ".join(f"{country}-{r}" for r in regions) or "none"
        raise CalendarError(f"holiday calendar {code!r}: {country}'s regions are {known}")
    return f"{country}-{region}" if region else country


def is_holiday(code: str | None, own: Iterable[date], day: date) -> bool:
    """A public holiday of the calendar, or one of the business's own closed days."""
    if day in set(own):
        return True
    return bool(code) and day in _calendar(validate(code or ""), day.year)


def named(code: str, year: int) -> dict[date, str]:
    """The calendar's holidays in a year, with their names."""
    return dict(sorted(_calendar(validate(code), year).items()))


@cache
def _regions(country: str) -> tuple[str, ...]:
    return tuple(r for r in holidays.list_supported_countries()[country] if r.isupper())


@cache
def _calendar(code: str, year: int) -> holidays.HolidayBase:
    country, _, region = code.partition("-")
    return holidays.country_holidays(country, subdiv=region or None, years=year)
