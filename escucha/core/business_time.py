"""Whether a business is open at an instant: its hours, in its zone, minus its holidays.

Instants are aware UTC datetimes inside escucha; the tenant's zone is applied here, at the edge.
"""

from __future__ import annotations

from datetime import datetime

from escucha.core import holiday_calendar
from escucha.core.tenant import Tenant


def local(tenant: Tenant, at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("business time needs an aware datetime")
    return at.astimezone(tenant.zone)


def is_open(tenant: Tenant, at: datetime) -> bool:
    """Open at this instant: within its hours, on a day that is not a holiday, in its zone."""
    moment = local(tenant, at)
    if holiday_calendar.is_holiday(tenant.holidays, tenant.closed_dates, moment.date()):
        return False
    return tenant.hours.open_at(moment)
