"""Turning incidents and care events into alerts, and alerts into deliveries that arrive.

Three steps, each safe to repeat after a crash:
- `fan_out`: every new entry of an incident's thread becomes one delivery per destination it
  is for, written in the same transaction that marks the entry done;
- `climb`: an incident nobody acknowledged moves up the tenant's ladder when a step is due,
  and the thread entry that records it is fanned out to that step's destinations;
- `relay`: SLA breaches, escalations and silent channels on the tenant's event stream become
  alerts for every destination that takes them, the stream cursor kept in Redis.
`send` makes one attempt at one delivery: sent, retried with backoff (never before the other
side's Retry-After), or dead-lettered on the destination with the reason.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import redis

from escucha.core import keys
from escucha.core.attempts import Dead, Retry
from escucha.core.backoff import after_transient
from escucha.core.errors import TRANSIENT_ERRORS, PermanentError
from escucha.core.logs import get_logger
from escucha.core.models import as_utc
from escucha.core.sealed import Sealer
from escucha.core.tenant import Tenant
from escucha.insight.alerts.alert import Alert
from escucha.insight.alerts.destination import Destination, parse_destination
from escucha.insight.alerts.reachable import host_of, internal_address
from escucha.insight.alerts.transports import deliver
from escucha.insight.alerts.wording import event_alert, incident_alert, trial_alert
from escucha.insight.ladder import due, first_targets
from escucha.pipeline import events
from escucha.store.alert_outbox import AlertOutbox, Delivery, DestinationView, UnknownDestination
from escucha.store.incidents import Incidents
from escucha.store.schema import AlertDestinationRow, IncidentRow, IncidentUpdateRow

log = get_logger("escucha.alerting")
MAX_ATTEMPTS = 8
ALERTING = ("opened", "updated", "escalated", "acknowledged", "closed")  # thread entries


class InternalDestination(ValueError):
    """A destination inside the installation's own network, which it does not allow."""


@dataclass(frozen=True)
class Sent:
    receipt: str


Outcome = Sent | Retry | Dead


@dataclass(frozen=True)
class Alerting:
    outbox: AlertOutbox
    incidents: Incidents
    sealer: Sealer
    tenant_of: Callable[[str], Tenant]
    base_url: str | None = None  # alerts link here
    internal_hosts: bool = False  # whether destinations may point inside our own network

    # destinations

    def add_destination(
        self, tenant: str, name: str, destination: Destination, events_: Sequence[str],
        now: datetime,
    ) -> str:  # fmt: skip
        """Store a destination, its settings sealed; `events_` limits what it takes (all when
        empty): "incident", "sla.breached", "case.escalated", "channel.silent"."""
        self._refuse_internal(destination)
        public = destination.public() | {"events": list(events_)}
        sealed = self.sealer.seal(destination.model_dump_json())
        return self.outbox.add_destination(tenant, name, destination.kind, public, sealed, now)

    def _refuse_internal(self, destination: Destination) -> None:
        if self.internal_hosts:
            return
        host = host_of(destination)
        if (address := internal_address(host)) is not None:
            raise InternalDestination(
                f"{host} is an internal address ({address}); alerts go to public hosts "
                "unless the installation sets ESCUCHA_ALERT_INTERNAL_HOSTS=true"
            )

    def opened(self, row: AlertDestinationRow) -> Destination:
        """The destination's settings, secrets included: only to send."""
        return parse_destination(json.loads(self.sealer.open(row.sealed)))

    # making deliveries

    def tick(self, client: redis.Redis, now: datetime) -> list[str]:
        """One round: fan out new thread entries, climb ladders (and fan out the climbs), relay
        every tenant's care events; the keys of deliveries due to send. A tenant or an entry
        that fails is logged and left for the next round: it holds back nobody else."""
        self.fan_out(now)
        if self.climb(now):
            self.fan_out(now)
        for tenant in self.outbox.tenants():
            with _isolated("relay", tenant=tenant):
                self.relay(client, tenant, now)
        return self.outbox.due(now)

    def fan_out(self, now: datetime, limit: int = 100) -> list[str]:
        """Deliveries for every thread entry not yet fanned out; the keys added."""
        added: list[str] = []
        for entry in self.incidents.pending_updates(limit):
            with _isolated("fan_out", tenant=entry.tenant, entry=entry.id):
                added.extend(self._fan_out_entry(entry, now))
        return added

    def _fan_out_entry(self, entry: IncidentUpdateRow, now: datetime) -> list[str]:
        tenant = self.tenant_of(entry.tenant)
        incident = self.incidents.get(entry.tenant, entry.incident_id)
        targets, step = self._targets(tenant, incident, entry)
        if entry.change == "escalated" and incident.acknowledged_at is not None:
            targets = []  # taken between the climb and now: nobody more needs paging
        deliveries = []
        if entry.change in ALERTING:
            alert = incident_alert(tenant, incident, entry, self.base_url)
            deliveries = [self._delivery(alert, d.id, incident.id) for d in targets]
        return self.outbox.fan_out(entry.id, deliveries, now, step)

    def _targets(
        self, tenant: Tenant, incident: IncidentRow, entry: IncidentUpdateRow
    ) -> tuple[list[DestinationView], int | None]:
        """Who hears of this entry, and for a new incident the ladder steps that took it."""
        every = self.outbox.destinations(tenant.id)
        named = {d.name: d for d in every}
        ladder = tenant.crisis.ladder
        if entry.change == "opened":
            if not ladder:
                return [d for d in every if _takes(d, "incident.opened")], None
            taken, names = first_targets(ladder, as_utc(entry.at), tenant.zone)
            return [named[n] for n in names if n in named], taken
        if entry.change == "escalated":
            return [named[n] for n in entry.data.get("destinations", []) if n in named], None
        # Updates, acknowledgements and closing go to whoever heard of the incident.
        heard = {d.destination_id for d in self.outbox.of_incident(tenant.id, incident.id)}
        return [d for d in every if d.id in heard], None

    def climb(self, now: datetime) -> int:
        """Move every unacknowledged incident up its ladder where a step is due; steps moved."""
        moved = 0
        for incident in self.incidents.unacknowledged():
            with _isolated("climb", tenant=incident.tenant, incident=incident.id):
                moved += self._climb_incident(incident, now)
        return moved

    def _climb_incident(self, incident: IncidentRow, now: datetime) -> bool:
        tenant = self.tenant_of(incident.tenant)
        ladder, taken = tenant.crisis.ladder, incident.ladder_step
        # The immediate steps are alerted with the opening (fan_out), never as a climb; an
        # incident opened before its tenant had a ladder starts at the first delayed step.
        immediate = next((i for i, s in enumerate(ladder) if s.after_minutes), len(ladder))
        start = max(taken, immediate)
        reached, names = due(ladder, start, as_utc(incident.opened_at), now, tenant.zone)
        if reached == start:
            return False
        note = {"step": reached, "destinations": list(names)}
        return self.incidents.climb(tenant.id, incident.id, taken, reached, now, note)

    def relay(self, client: redis.Redis, tenant_id: str, now: datetime, count: int = 200) -> int:
        """Care events on the tenant's stream since the cursor, as alerts; deliveries added."""
        cursor = keys.alert_cursor(tenant_id)
        raw = client.get(cursor)
        if not isinstance(raw, bytes | str):
            # A tenant's first destination starts from now: the stream's past is not news.
            last = client.xrevrange(keys.events(tenant_id), count=1)
            client.set(cursor, keys.as_text(last[0][0]) if last else "0")
            return 0
        found = events.read(client, tenant_id, keys.as_text(raw), count)
        if not found:
            return 0
        tenant = self.tenant_of(tenant_id)
        every = self.outbox.destinations(tenant_id)
        added = 0
        for event in found:
            alert = event_alert(tenant, event, self.base_url)
            if alert is None:
                continue
            for d in every:
                if _takes(d, alert.event):
                    added += self.outbox.add(self._delivery(alert, d.id, None), now)
        # Written after the deliveries: a crash in between re-adds them, and keys make that a no-op.
        client.set(cursor, found[-1]["event_id"])
        return added

    def trial(self, tenant: Tenant, ref: str, now: datetime) -> str:
        """Queue a test alert for one destination; its delivery key."""
        row = self.outbox.destination(tenant.id, ref)
        alert = trial_alert(tenant, row.id, now)
        self.outbox.add(self._delivery(alert, row.id, None), now)
        return f"{alert.id}:{row.id}"

    @staticmethod
    def _delivery(alert: Alert, destination_id: str, incident_id: str | None) -> Delivery:
        return Delivery(f"{alert.id}:{destination_id}", alert.tenant, destination_id,
                        alert.event, alert.as_json(), incident_id)  # fmt: skip

    # sending

    def send(
        self, key: str, now: datetime, client: httpx.Client,
        jitter: Callable[[], float] = random.random,
    ) -> Outcome | None:  # fmt: skip
        """One attempt at the delivery; None when another sender holds it or it is settled."""
        row = self.outbox.claim(key, now)
        if row is None:
            return None
        outcome = self._attempt(row.tenant, row.destination_id, row.alert, row.attempts, now,
                                client, jitter)  # fmt: skip
        if isinstance(outcome, Sent):
            self.outbox.sent(row, outcome.receipt, now)
        elif isinstance(outcome, Retry):
            self.outbox.retry(row, outcome.at, outcome.reason, now)
        else:
            self.outbox.dead(row, outcome.reason, now)
        return outcome

    def _attempt(
        self, tenant: str, destination_id: str, payload: dict[str, Any], attempts: int,
        now: datetime, client: httpx.Client, jitter: Callable[[], float],
    ) -> Outcome:  # fmt: skip
        try:
            destination = self.opened(self.outbox.destination(tenant, destination_id))
            # Checked again at each send: a name that was public when added may not be now.
            self._refuse_internal(destination)
            return Sent(deliver(destination, Alert.from_payload(payload), client,
                                now=now.timestamp()))  # fmt: skip
        except UnknownDestination:
            return Dead("the destination was removed")
        except InternalDestination as error:
            return Dead(str(error))
        except PermanentError as error:
            return Dead(str(error))
        except TRANSIENT_ERRORS as error:
            at, reason = after_transient(error, attempts, now, MAX_ATTEMPTS, jitter)
            return Retry(at, reason) if at else Dead(reason)
        except Exception as error:  # a row left `sending` would be claimed forever
            # Only the type: a library's message may quote what it was given (a password).
            return Dead(f"could not be sent: {type(error).__name__}")


@contextmanager
def _isolated(step: str, **where: object) -> Iterator[None]:
    """Log and swallow what goes wrong with one item of a round, so the round goes on."""
    try:
        yield
    except Exception as error:
        # Only the type: a message may quote a destination's settings.
        log.error("alert.round_item_failed", step=step, error=type(error).__name__, **where)


def _takes(destination: DestinationView, event: str) -> bool:
    """Whether the destination takes this event: all when it names none; "incident" takes
    every incident.* event."""
    wanted = destination.public.get("events") or []
    return not wanted or any(event == w or event.startswith(f"{w}.") for w in wanted)
