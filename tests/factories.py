"""Building test mentions with only the fields a test cares about."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from escucha.care.triage import triage
from escucha.core.models import AnalyzedMention, StagedMention, TriagedMention
from escucha.core.tenant import Accounts, Tenant
from escucha.nlp.analyzer import Analyzer
from escucha.nlp.normalize import normalize
from escucha.store.store import make_engine
from escucha.store.tenants import Tenants

QUOTE_SERVICE = (
    "Me prometieron que iban a arreglar su problema de servicio, pero no lo hicieron. No sólo eso, "
    "ni siquiera me fue dada la cortesía de una llamada telefónica. Odio a esa xxxx empresa"
)
QUOTE_LUGGAGE = (
    "Esta aerolínea es una %%%%. Lo siento no hay nada que podamos hacer, fue lo único que me "
    "dijeron cuando perdí mi equipaje."
)


def raw(n: int = 1, **overrides: Any) -> dict[str, Any]:
    row = {
        "id": str(n),
        "source": "x",
        "text": f"@aerosol mi vuelo número {n} llegó tarde otra vez",
        "author": f"cliente{n}",
        "created_at": "2026-11-20T10:00:00+00:00",
    }
    return row | overrides


def staged(n: int = 1, **overrides: Any) -> StagedMention:
    return StagedMention.model_validate(raw(n, **overrides) | {"accepted_at": datetime.now(UTC)})


def analyzed(n: int = 1, **overrides: Any) -> AnalyzedMention:
    mention = normalize(staged(n, **overrides))
    analysis = Analyzer().analyze(mention.clean_text, mention.lang)
    return AnalyzedMention(**mention.model_dump(), analysis=analysis)


def triaged(n: int = 1, config: Tenant | None = None, **overrides: Any) -> TriagedMention:
    return triage(analyzed(n, **overrides), config or Tenant())


def own_accounts(database_url: str, owners: dict[str, str]) -> None:
    """Store tenants owning the given accounts ('meta:<id>', 'x:<id>', 'mastodon:<host>')."""
    fields = {"meta": "meta_pages", "x": "x_user_ids", "mastodon": "mastodon",
              "hubspot": "hubspot_portals"}  # fmt: skip
    grouped: dict[str, dict[str, list[str]]] = {}
    for account, tenant in owners.items():
        platform, _, value = account.partition(":")
        grouped.setdefault(tenant, {}).setdefault(fields[platform], []).append(value)
    engine = make_engine(database_url)
    tenants = Tenants(engine)
    for tenant_id, accounts in grouped.items():
        tenant = tenants.get(tenant_id) or Tenant(id=tenant_id)
        tenants.put(tenant.model_copy(update={"accounts": Accounts(**accounts)}))
    engine.dispose()
