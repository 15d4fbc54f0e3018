"""What each alert says, in the tenant's language: an incident's thread entry or a care event.

Pure: the caller passes the incident, the entry and the event; ids are derived from them, so
the same entry always makes the same alert (and the same delivery keys).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from escucha.core.models import as_utc
from escucha.core.tenant import Tenant
from escucha.insight.alerts.alert import Alert
from escucha.insight.explain import topic_name
from escucha.store.schema import IncidentRow, IncidentUpdateRow

CHANGES = {
    "es": {
        "opened": "Posible crisis",
        "updated": "La crisis crece",
        "escalated": "Crisis sin reconocer",
        "acknowledged": "Crisis reconocida",
        "closed": "Crisis cerrada",
    },
    "en": {
        "opened": "Possible crisis",
        "updated": "The crisis is growing",
        "escalated": "Crisis not acknowledged",
        "acknowledged": "Crisis acknowledged",
        "closed": "Crisis closed",
    },
}
EVENTS = {
    "es": {
        "sla.breached": "SLA incumplido",
        "case.escalated": "Caso escalado",
        "channel.silent": "Canal en silencio",
        "alert.test": "Prueba de alertas",
    },
    "en": {
        "sla.breached": "SLA breached",
        "case.escalated": "Case escalated",
        "channel.silent": "Channel gone silent",
        "alert.test": "Alert test",
    },
}
RELAYED = ("sla.breached", "case.escalated", "channel.silent")  # care events that alert
NEWS_GRACE = timedelta(hours=1)


def language_of(tenant: Tenant) -> str:
    first = tenant.languages[0] if tenant.languages else "en"
    return first if first in CHANGES else "en"


def incident_alert(
    tenant: Tenant, incident: IncidentRow, entry: IncidentUpdateRow, base_url: str | None
) -> Alert:
    """The alert for one entry of the incident's thread."""
    lang = language_of(tenant)
    es = lang == "es"
    explanation: Mapping[str, Any] = incident.explanation or {}
    what = topic_name(incident.topic, lang)
    title = f"{CHANGES[lang].get(entry.change, entry.change)}: {what} · {tenant.name or tenant.id}"
    summary = str(explanation.get("headline") or f"{incident.observed} {what}")
    details: list[str] = []
    if entry.change == "acknowledged":
        who = entry.data.get("by", "?")
        summary = f"{who} se ocupa de ella." if es else f"{who} has taken it."
    elif entry.change == "closed":
        summary = (
            f"Sin señales desde {as_utc(incident.last_signal_at):%H:%M} UTC; cerrada."
            if es
            else f"No signal since {as_utc(incident.last_signal_at):%H:%M} UTC; closed."
        )
    elif entry.change == "escalated":
        step = entry.data.get("step", "?")
        details.append(
            f"Nadie la ha reconocido: paso {step} de la escalada."
            if es
            else f"Nobody has acknowledged it: escalation step {step}."
        )
    if entry.change in ("opened", "updated", "escalated"):
        details.extend(_explanation_lines(explanation, es))
    return Alert(
        id=f"{incident.id}.{entry.id}",
        tenant=tenant.id,
        event=f"incident.{entry.change}",
        title=title,
        summary=summary,
        details=tuple(details),
        link=f"{base_url.rstrip('/')}/v1/incidents/{incident.id}" if base_url else None,
        occurred_at=as_utc(entry.at),
        language=lang,
        data={
            "incident_id": incident.id,
            "status": incident.status,
            "topic": incident.topic,
            "trigger": incident.trigger,
            "observed": incident.observed,
            "expected": round(incident.expected, 2),
            "opened_at": as_utc(incident.opened_at).isoformat(),
            "acknowledged": incident.acknowledged_at is not None,
        },
    )


def _explanation_lines(explanation: Mapping[str, Any], es: bool) -> list[str]:
    lines = []
    terms = explanation.get("top_terms") or []
    if terms:
        lines.append(("Términos: " if es else "Terms: ") + ", ".join(terms))
    for voice in explanation.get("top_voices") or []:
        reach = "seguidores" if es else "followers"
        lines.append(f"@{voice['author']} ({voice['followers']:,} {reach}, {voice['mentions']}×)")
    for sample in explanation.get("samples") or []:
        lines.append(f"«{sample['text']}» (@{sample['author']})")
    actions = explanation.get("actions") or []
    if actions:
        lines.append(("Qué hacer: " if es else "What to do: ") + actions[0])
    return lines


def event_alert(
    tenant: Tenant, event: Mapping[str, str], base_url: str | None
) -> Alert | None:  # fmt: skip
    """The alert for a care event from the tenant's stream, or None for one that does not alert."""
    kind = event.get("type", "")
    if kind not in RELAYED or not is_news(event):
        return None
    lang = language_of(tenant)
    es = lang == "es"
    case = event.get("case_id")
    if kind == "sla.breached":
        summary = (
            f"El caso {case} pasó su objetivo «{event.get('target')}» sin respuesta."
            if es
            else f"Case {case} passed its {event.get('target')!r} target unanswered."
        )
    elif kind == "case.escalated":
        summary = (
            f"El caso {case} se escaló: {event.get('reason', '')}"
            if es
            else f"Case {case} was escalated: {event.get('reason', '')}"
        )
    else:
        silent = int(float(event.get("silent_for_s") or 0)) // 60
        summary = (
            f"El canal {event.get('channel')} no recibe nada desde hace {silent} min."
            if es
            else f"Channel {event.get('channel')} has received nothing for {silent} min."
        )
    link = f"{base_url.rstrip('/')}/v1/cases/{case}" if base_url and case else None
    data = {k: v for k, v in event.items() if k not in ("type", "event_id")}
    return Alert(
        id=f"evt.{tenant.id}.{event['event_id']}",
        tenant=tenant.id,
        event=kind,
        title=f"{EVENTS[lang][kind]} · {tenant.name or tenant.id}",
        summary=summary,
        details=(),
        link=link,
        occurred_at=_event_time(event),
        language=lang,
        data=data,
    )


def trial_alert(tenant: Tenant, destination: str, now: datetime) -> Alert:
    """What `POST /v1/alert-destinations/{id}/test` sends."""
    lang = language_of(tenant)
    summary = (
        "Si lees esto, las alertas de escucha llegan a este destino."
        if lang == "es"
        else "If you can read this, escucha's alerts reach this destination."
    )
    return Alert(
        id=f"test.{destination}.{int(now.timestamp() * 1000)}",
        tenant=tenant.id,
        event="alert.test",
        title=f"{EVENTS[lang]['alert.test']} · {tenant.name or tenant.id}",
        summary=summary,
        details=(),
        link=None,
        occurred_at=as_utc(now),
        language=lang,
        data={"destination_id": destination},
    )


def is_news(event: Mapping[str, str], grace: timedelta = NEWS_GRACE) -> bool:
    """Whether it happened about when escucha learnt of it. An SLA that ran out long before
    its case was stored (imported history) is history: it pages nobody. A stream id begins
    with the moment it was appended, in milliseconds."""
    published = datetime.fromtimestamp(int(event["event_id"].split("-")[0]) / 1000, UTC)
    return _event_time(event) >= published - grace


def _event_time(event: Mapping[str, str]) -> datetime:
    said = event.get("at", "")
    try:
        return as_utc(datetime.fromisoformat(said))
    except ValueError:
        try:
            return datetime.fromtimestamp(float(said), UTC)
        except ValueError:
            return datetime.now(UTC)
