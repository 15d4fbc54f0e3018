"""The dashboard page: volume and sentiment over time, share of voice, SLA compliance,
response times, complaint recovery and open incidents, for the agent's tenant.

Its figures are the report's (`build_report`) over the last 7, 30 or 90 days in the tenant's
zone, and its charts are the report's charts: the page and the PDF never disagree.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from escucha.core.period import Period
from escucha.insight.explain import topic_name
from escucha.report import charts
from escucha.report.contents import Report, build_report
from escucha.report.formats import minutes, percent, signed
from escucha.store.schema import IncidentRow
from escucha.web.browser import Agent, language_of, page
from escucha.web.i18n import translations
from escucha.web.inbox import local_time
from escucha.web.incident_pages import who_took
from escucha.web.state import ApiState, get_state

router = APIRouter(include_in_schema=False)
State = Annotated[ApiState, Depends(get_state)]
PERIODS = (7, 30, 90)  # the spans the page offers, in days
DEFAULT_DAYS = 30
LIVE = ("open", "escalating", "subsiding")


@router.get("/dashboard")
def dashboard(request: Request, state: State, agent: Agent,
              days: Annotated[int, Query()] = DEFAULT_DAYS) -> Response:  # fmt: skip
    """The tenant's figures over the last `days` days (one of PERIODS; else the default)."""
    days = days if days in PERIODS else DEFAULT_DAYS
    tenant = state.casebook.tenant_of(agent.tenant)
    now = datetime.now(UTC)
    report = build_report(state.store.engine, tenant, last_days(days, tenant.zone, now), now)
    language = language_of(agent)
    live = [row for row in state.incidents.of_tenant(agent.tenant) if row.status in LIVE]
    return page(request, "dashboard.html.j2", language, agent=agent, r=report, days=days,
                periods=PERIODS, charts=drawn(report, language), live=live,
                topic=lambda t: topic_name(t, language), local=local_time(tenant.zone),
                day=local_day(tenant.zone), headline=headline, taker=who_took(state, agent.tenant),
                pct=pct, mins=mins, net=net, active="dashboard")  # fmt: skip


def last_days(days: int, zone: ZoneInfo, now: datetime) -> Period:
    """Today and the `days` - 1 whole local days before it, up to now."""
    today = now.astimezone(zone).date()
    since = datetime.combine(today - timedelta(days=days - 1), time(0), zone).astimezone(UTC)
    return Period(f"{days}d", since, now)


def drawn(report: Report, language: str) -> dict[str, str]:
    """The report's charts, labelled in the agent's language, as base64 PNGs."""
    _ = translations(language).gettext
    recovery = report.recovery
    steps = [(_("complained"), recovery.complainers),
             (_("window over or recovered"), recovery.decided),
             (_("recovered"), recovery.recovered)]  # fmt: skip
    pngs = {
        "volume": charts.volume_chart(report.days, (_("negative"), _("neutral"), _("positive"))),
        "voice": charts.voice_chart(report.voices, _("mentions")),
        "recovery": charts.funnel_chart(steps),
    }
    return {name: base64.b64encode(png).decode() for name, png in pngs.items()}


def local_day(zone: ZoneInfo) -> Callable[[datetime], str]:
    """How the page writes the period's edges: the local day."""
    return lambda at: at.astimezone(zone).strftime("%Y-%m-%d")


def pct(value: float | None) -> str:
    return "–" if value is None else percent(value)


def mins(value: float | None) -> str:
    return "–" if value is None else minutes(value)


def net(value: float | None) -> str:
    return "–" if value is None else signed(value)


def headline(row: IncidentRow) -> str:
    """An incident's explanation in one sentence, as the watch wrote it."""
    return str((row.explanation or {}).get("headline") or "")
