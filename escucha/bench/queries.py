"""`escucha bench-queries`: how long the product's own reads take on a store of realistic size.

Each measure calls what the product calls, never SQL of its own: the mentions search
(`find_mentions` with words), the inbox page (`escucha.web.inbox.rows` and the filter choices),
a case page (`escucha.web.case_page._view`), the 90-day dashboard (`build_report` and the live
incidents; drawing the charts is left out, it reads nothing) and one tenant's crisis check (what
`Watch.signals` reads, and the current incident).

A sample running past the cap is stopped at its next statement, so one pathological read cannot
hold the run for an hour; it counts as the time it had run, and is marked.
"""

from __future__ import annotations

import json
import math
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from escucha.care.casebook import Casebook
from escucha.core.tenant import Tenant
from escucha.insight.watch import Watch
from escucha.report.contents import build_report
from escucha.store.agents import Agents
from escucha.store.cases import Cases
from escucha.store.contacts import Contacts
from escucha.store.incidents import Incidents
from escucha.store.outbox import Outbox
from escucha.store.queries import MentionFilter, find_mentions
from escucha.store.rollups import Rollups
from escucha.store.schema import CaseRow, MentionRow
from escucha.store.store import Store
from escucha.store.tenant_directory import TenantDirectory
from escucha.store.tenants import Tenants
from escucha.store.web_logins import WebSession
from escucha.web import case_page, inbox
from escucha.web.dashboard import last_days
from escucha.web.state import ApiState

# The p95 targets; the crisis check has none (it runs in a worker, not for a person).
TARGETS_MS: dict[str, float | None] = {"search": 100.0, "inbox": 100.0, "case": 100.0,
                                       "dashboard": 200.0, "crisis": None}  # fmt: skip
WORD = re.compile(r"[^\W\d_]{5,}")


class OverCap(Exception):
    """A sample ran past the cap."""


@dataclass
class Measured:
    name: str
    target_ms: float | None
    samples_ms: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # what each sample read: rows, mentions, bins
    capped: int = 0
    slowest: str = ""  # the input of the slowest sample

    def percentile(self, p: float) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(p * len(ordered)) - 1)] if ordered else math.nan

    @property
    def p50(self) -> float:
        return self.percentile(0.5)

    @property
    def p95(self) -> float:
        return self.percentile(0.95)

    @property
    def holds(self) -> bool | None:
        if self.target_ms is None:
            return None
        return self.capped == 0 and self.p95 <= self.target_ms

    def as_json(self) -> dict[str, Any]:
        return {"p50_ms": round(self.p50, 1), "p95_ms": round(self.p95, 1),
                "target_p95_ms": self.target_ms, "holds": self.holds,
                "samples": len(self.samples_ms), "capped": self.capped,
                "min_rows": min(self.rows, default=0), "slowest": self.slowest}  # fmt: skip


@dataclass
class Deadline:
    """Stops a sample at its next SQL statement once it has run past `cap_s`."""

    cap_s: float
    until: float | None = None

    def watch(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._check)

    def _check(self, *_: Any) -> None:
        if self.until is not None and time.perf_counter() > self.until:
            raise OverCap()

    @contextmanager
    def armed(self) -> Iterator[None]:
        self.until = time.perf_counter() + self.cap_s
        try:
            yield
        finally:
            self.until = None


@dataclass(frozen=True)
class PageState:
    """What the inbox and case pages read from `ApiState`, without its Redis connections."""

    store: Store
    casebook: Casebook
    outbox: Outbox
    agents: Agents
    contacts: Contacts
    incidents: Incidents

    @classmethod
    def on(cls, store: Store) -> PageState:
        engine = store.engine
        directory = TenantDirectory(Tenants(engine), ttl_s=60)  # the pages' tenant cache
        return cls(store, Casebook(Cases(engine), directory.get), Outbox(engine), Agents(engine),
                   Contacts(engine), Incidents(engine))  # fmt: skip

    @property
    def api(self) -> ApiState:
        return cast(ApiState, self)


class CountingRollups(Rollups):
    """The watch's rollups, counting the bins a check reads: proof it read something."""

    read = 0

    def bins(self, tenant: str, topics: Iterable[str], since: datetime, until: datetime,
             grain: str = "q") -> dict[str, list[tuple[datetime, int, int]]]:  # fmt: skip
        found = super().bins(tenant, topics, since, until, grain)
        self.read += sum(len(b) for b in found.values())
        return found


@dataclass(frozen=True)
class Inputs:
    """What each sample asks: tenant, word and case, drawn before any timing."""

    tenants: list[Tenant]
    words: list[str]
    cases: list[tuple[str, str]]  # (tenant, case id)


def inputs(engine: Engine, tenants: Sequence[Tenant], repeat: int, seed: int) -> Inputs:
    """Tenants in turn (each tenant as often); for each, a word from its own texts and one of
    its cases, drawn at random."""
    rng = random.Random(seed)
    turn = [tenants[i % len(tenants)] for i in range(repeat)]
    words = [search_word(engine, tenant.id, n, rng) for n, tenant in enumerate(turn)]
    return Inputs(turn, words, sample_cases(engine, turn, rng))


def search_word(engine: Engine, tenant: str, n: int, rng: random.Random) -> str:
    """A word people search by: one of the 300 commonest words of five letters or more in a
    sample of the tenant's texts, Spanish and English in turn, so common and rarer ones come."""
    lang = ("es", "en")[n % 2]
    own = select(MentionRow.text).where(MentionRow.tenant == tenant, MentionRow.inbound.is_(True))
    with Session(engine) as session:
        texts = list(session.scalars(own.where(MentionRow.lang == lang).limit(3_000)))
        if not texts:  # a small tenant may have no mention in that language
            texts = list(session.scalars(own.limit(3_000)))
    counts = Counter(w for text in texts for w in {w.casefold() for w in WORD.findall(text)})
    return rng.choice([w for w, _ in counts.most_common(300)] or ["vuelo"])


def sample_cases(engine: Engine, tenants: Sequence[Tenant], rng: random.Random
                 ) -> list[tuple[str, str]]:  # fmt: skip
    found = []
    with Session(engine) as session:
        for tenant in tenants:
            own = select(CaseRow.id).where(CaseRow.tenant == tenant.id,
                                           CaseRow.merged_into.is_(None))  # fmt: skip
            total = int(session.scalar(select(func.count()).select_from(own.subquery())) or 0)
            if total:
                at = rng.randrange(total)
                picked = session.scalar(own.order_by(CaseRow.id).offset(at).limit(1))
                found.append((tenant.id, str(picked)))
    return found


def agent_of(tenant: str) -> WebSession:
    """The session a page is read by: the tenant's first agent."""
    return WebSession(tenant, f"{tenant}-agent0", "Agente", "agent", ("es", "en"), "csrf")


Probe = Callable[[int], tuple[str, int]]  # sample number → (its input, how much it read)


def probes(store: Store, given: Inputs, now: datetime) -> dict[str, Probe]:
    state = PageState.on(store)
    engine = store.engine
    rollups = CountingRollups(engine)
    watch = Watch(rollups, state.incidents, lambda *_: [], lambda *_: None)

    def search(n: int) -> tuple[str, int]:
        tenant, word = given.tenants[n], given.words[n]
        found = find_mentions(store, tenant.id, MentionFilter(q=word, limit=50))
        return f"{tenant.id} {word!r}", len(found)

    def inbox_page(n: int) -> tuple[str, int]:
        tenant = given.tenants[n]
        state.casebook.cases.choices(tenant.id)
        shown = inbox.rows(state.api, agent_of(tenant.id), tenant, inbox.Filters())
        return tenant.id, len(shown)

    def case(n: int) -> tuple[str, int]:
        tenant, case_id = given.cases[n % len(given.cases)]
        view = case_page._view(state.api, agent_of(tenant), case_id, case_page.Draft())
        return case_id, len(view["said"])

    def dashboard(n: int) -> tuple[str, int]:
        tenant = given.tenants[n]
        report = build_report(engine, tenant, last_days(90, tenant.zone, now), now)
        state.incidents.of_tenant(tenant.id)  # the page keeps the live ones: no read of its own
        return tenant.id, report.mentions

    def crisis(n: int) -> tuple[str, int]:
        tenant = given.tenants[n]
        before = rollups.read
        watch.signals(tenant, now)
        state.incidents.current(tenant.id)
        return tenant.id, rollups.read - before

    return {"search": search, "inbox": inbox_page, "case": case, "dashboard": dashboard,
            "crisis": crisis}  # fmt: skip


Tick = Callable[[str], None]  # called after each sample with the measure's name


def measure(store: Store, given: Inputs, now: datetime, cap_s: float, budget_s: float,
            tick: Tick) -> list[Measured]:  # fmt: skip
    """Every probe once to warm the caches, then len(given.tenants) samples of each; a measure
    whose samples have taken `budget_s` stops there (after at least five)."""
    deadline = Deadline(cap_s)
    deadline.watch(store.engine)
    results = []
    for name, probe in probes(store, given, now).items():
        measured = Measured(name, TARGETS_MS[name])
        _timed(probe, 0, deadline)  # warm-up: the first read of a table pays for its pages
        spent, slowest = 0.0, -1.0
        for n in range(len(given.tenants)):
            ms, label, rows, capped = _timed(probe, n, deadline)
            measured.samples_ms.append(ms)
            measured.rows.append(rows)
            measured.capped += capped
            if ms > slowest:
                slowest, measured.slowest = ms, label
            spent += ms / 1000
            tick(name)
            if spent > budget_s and n >= 4:
                break
        results.append(measured)
    return results


def _timed(probe: Probe, n: int, deadline: Deadline) -> tuple[float, str, int, bool]:
    started = time.perf_counter()
    try:
        with deadline.armed():
            label, rows = probe(n)
        capped = False
    except (OverCap, StatementError) as error:
        if not isinstance(error, OverCap) and not isinstance(error.orig, OverCap):
            raise
        label, rows, capped = f"sample {n} (capped)", 0, True
    return (time.perf_counter() - started) * 1000, label, rows, capped


def as_json(results: list[Measured], **about: Any) -> str:
    return json.dumps(about | {m.name: m.as_json() for m in results})
