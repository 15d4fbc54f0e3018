"""The report's words in the tenant's language (Spanish first, English otherwise)."""

from __future__ import annotations

from collections.abc import Mapping

WORDS: Mapping[str, Mapping[str, str]] = {
    "es": {
        "title": "Informe de relación con clientes", "period": "Periodo", "zone": "zona horaria",
        "generated": "generado", "headline": "Lo principal",
        "response_rate": "Tasa de respuesta",
        "of_needed": "de las conversaciones que pedían respuesta",
        "first_response": "Mediana de primera respuesta (horario laboral)",
        "by_clock": "en tiempo de reloj", "answered": "conversaciones respondidas",
        "sla": "Cumplimiento de SLA", "met": "cumplidos a tiempo",
        "recovery": "Recuperación de quejas", "came_back": "clientes que se quejaron volvieron",
        "so_far": "por ahora", "still_open": "aún dentro de sus 60 días",
        "volume": "Volumen y sentimiento", "mentions": "menciones",
        "negative": "negativas", "neutral": "neutras", "positive": "positivas",
        "voice": "Cuota de voz", "net": "neto de sentimiento",
        "times": "Tiempos de atención", "figure": "medida", "median": "mediana",
        "business": "laboral", "count": "cuántas",
        "first": "primera respuesta", "next": "siguientes respuestas", "resolution": "resolución",
        "recovery_funnel": "Embudo de recuperación", "complainers": "se quejaron",
        "decided": "plazo cerrado o recuperados", "recovered": "recuperados",
        "fans": "De fans a clientes", "channel": "canal",
        "leads": "menciones con intención de compra",
        "people": "personas", "customers": "compraron",
        "topics": "Temas principales", "incidents": "Incidentes", "none": "ninguno",
        "automated": "respuestas automáticas excluidas",
        "sla_first_response": "primera respuesta", "sla_next_response": "siguiente respuesta",
        "sla_resolution": "resolución",
    },
    "en": {
        "title": "Customer relationship report", "period": "Period", "zone": "time zone",
        "generated": "generated", "headline": "The headline",
        "response_rate": "Response rate",
        "of_needed": "of the conversations that needed an answer",
        "first_response": "Median first response (business hours)",
        "by_clock": "by the clock", "answered": "answered conversations",
        "sla": "SLA compliance", "met": "met in time",
        "recovery": "Complaint recovery", "came_back": "complainers came back",
        "so_far": "so far", "still_open": "still within their 60 days",
        "volume": "Volume and sentiment", "mentions": "mentions",
        "negative": "negative", "neutral": "neutral", "positive": "positive",
        "voice": "Share of voice", "net": "sentiment-net",
        "times": "Response times", "figure": "figure", "median": "median",
        "business": "business", "count": "count",
        "first": "first response", "next": "next responses", "resolution": "resolution",
        "recovery_funnel": "Recovery funnel", "complainers": "complained",
        "decided": "window over or recovered", "recovered": "recovered",
        "fans": "Fans to customers", "channel": "channel", "leads": "purchase-intent mentions",
        "people": "people", "customers": "bought",
        "topics": "Top topics", "incidents": "Incidents", "none": "none",
        "automated": "automated replies left out",
        "sla_first_response": "first response", "sla_next_response": "next response",
        "sla_resolution": "resolution",
    },
}  # fmt: skip


def words_for(languages: list[str]) -> tuple[str, Mapping[str, str]]:
    language = next((lang for lang in languages if lang in WORDS), "en")
    return language, WORDS[language]
