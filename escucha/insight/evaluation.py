"""How often the crisis detector cries wolf, and how soon it sees a surge: the README's table.

Pure: each run is a `Task`, its result an `Outcome`, and `summarise` makes the table; the
command line runs the tasks in processes. Every run replays through `Replay`, exactly the
watch's logic, with the default policy, checking every `step` bins (15 minutes by default).

- False alarms: 60 quiet days after the 36 days of history, per background and rate; an
  incident counts for each topic that signalled in it. The targets hold on the quiet
  backgrounds; "real+news" (real days with their strike week) is shown beside them.
- Detection: a whole local day with (multiplier - 1) x the rate of extra mentions, all
  negative, spread like the background's hours (a 3x day is three times a normal day), on one
  of the seven days after the history; caught when an incident opens from the day's start to
  24 h after its end; the delay is opened_at - the day's start. The replay starts at that
  day's start and stops at the first incident: nothing before can hold the incident open.
  A 1x "surge" adds nothing: the share it catches is what chance alone gives the window.
- The real US airline week, per airline: see `week`.
"""

from __future__ import annotations

import statistics
import time as clock
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import cast
from zoneinfo import ZoneInfo

import numpy as np

from escucha.core.crisis_policy import CrisisPolicy
from escucha.core.period import moment
from escucha.insight import backgrounds
from escucha.insight.backgrounds import Counts
from escucha.insight.incident import strongest
from escucha.insight.replay import Opened, Replay
from escucha.insight.series import BIN, HISTORY, PER_HOUR, build, unheard
from escucha.insight.topics import ALL, NEGATIVE

RATES = (2.0, 5.0, 15.0, 50.0)
MULTIPLIERS = (1.0, 2.0, 3.0, 5.0)  # 1x adds nothing: how often the window alarms by chance
QUIET_DAYS = 60
HISTORY_DAYS = HISTORY.days
SURGE_DAYS = 7  # the surge falls on any weekday after the history
# "real" is the Spanish airline days without their strike week; "real+news" keeps it, for false
# alarms only: what it counts there is partly the real event, so it has no target.
BACKGROUNDS = ("synthetic", "real", "real+news")
SURGED = ("synthetic", "real")  # surges go over quiet backgrounds
TOPICS = (ALL, NEGATIVE)
FA_BUDGET = 1.0  # false alarms per topic per 60 days
TARGETS = ((3.0, 5.0, 0.70), (3.0, 15.0, 0.95))  # (multiplier, rate, detection rate)
US_ZONE = ZoneInfo("America/Los_Angeles")  # the clock the US airline data was written in
US_DAYS = (date(2015, 2, 17), date(2015, 2, 24))  # the first and the last day, local
US_END = datetime(2015, 2, 24, 12, tzinfo=US_ZONE)  # the data stops at 11:53 on the 24th
US_QUIET = 5  # its first five days, the 17th to the 21st, are the history it can be given


@dataclass(frozen=True)
class Task:
    kind: str  # "quiet", "surge" or "week"
    background: str  # one of BACKGROUNDS; for "week", how the history is made
    rate: float = 0.0
    multiplier: float = 1.0
    seed: int = 0
    quiet_days: int = QUIET_DAYS
    step: int = 1
    airline: str = ""
    data: str | None = None


@dataclass(frozen=True)
class Outcome:
    task: Task
    opened: tuple[dict[str, object], ...]
    delay_minutes: float | None = None  # surge runs: None when not caught
    days: tuple[tuple[str, int, int], ...] = ()  # week runs: each local day's count, negatives
    seconds: float = 0.0


def tasks(runs: int, surges: int, seed: int, rates: Sequence[float] = RATES,
          multipliers: Sequence[float] = MULTIPLIERS, kinds: Sequence[str] = BACKGROUNDS,
          data: Path | None = None, step: int = 1, quiet_days: int = QUIET_DAYS,
          week: bool = True) -> list[Task]:  # fmt: skip
    """Every run of the evaluation; `data` None leaves out what needs the real data."""
    folder = str(data) if data is not None else None
    wanted = [k for k in kinds if k == "synthetic" or folder is not None]
    found: list[Task] = []
    for b, kind in enumerate(wanted):
        for rate in rates:
            found += [Task("quiet", kind, rate, 1.0, _seed(seed, b, rate, 0.0, run), quiet_days,
                           step, data=folder) for run in range(runs)]  # fmt: skip
            for m in multipliers if kind in SURGED else ():
                found += [Task("surge", kind, rate, m, _seed(seed, b, rate, m, run), 0, 1,
                               data=folder) for run in range(surges)]  # fmt: skip
    if week and folder is not None:
        for airline in sorted(backgrounds.read_us_airlines(Path(folder))):
            found += [Task("week", how, airline=airline, step=1, data=folder)
                      for how in ("as live", "tiled")]  # fmt: skip
    # The slow runs first, so that two processes finish together.
    return sorted(found, key=lambda t: t.kind != "quiet")


def _seed(seed: int, background: int, rate: float, multiplier: float, run: int) -> int:
    sequence = np.random.SeedSequence(
        [seed, background, int(rate * 100), int(multiplier * 10), run]
    )
    return int(sequence.generate_state(1)[0])


def run(task: Task) -> Outcome:
    """One run; the real data is read where it lies, once per process."""
    began = clock.perf_counter()
    if task.kind == "quiet":
        outcome = _quiet(task)
    elif task.kind == "surge":
        outcome = _surge(task)
    else:
        outcome = week(task)
    return replace(outcome, seconds=clock.perf_counter() - began)


def _background(task: Task, days: int, rng: np.random.Generator) -> Counts:
    if task.background == "synthetic":
        return backgrounds.synthetic(task.rate, days, rng)
    return backgrounds.real(_real(task.data, task.background), task.rate, days, rng)


# Read and filtered once per process, not per run.
_READ: dict[tuple[str | None, str], backgrounds.RealDays] = {}


def _real(folder: str | None, background: str = "real") -> backgrounds.RealDays:
    if (folder, background) not in _READ:
        every = backgrounds.read_es_airlines(Path(folder) if folder else None)
        _READ[(folder, "real+news")] = every
        _READ[(folder, "real")] = every.without(backgrounds.NEWS_DAYS)
    return _READ[(folder, background)]


def _quiet(task: Task) -> Outcome:
    rng = np.random.default_rng(task.seed)
    days = HISTORY_DAYS + task.quiet_days
    counts = _background(task, days, rng)
    first = backgrounds.bin_of(backgrounds.day_start(HISTORY_DAYS))
    opened = Replay(counts.series(), CrisisPolicy()).run(first, len(counts.counts), task.step)
    return Outcome(task, tuple(_described(o, counts) for o in opened))


def _described(opened: Opened, counts: Counts) -> dict[str, object]:
    found = opened.as_json()
    if counts.sources and opened.signals:  # a real background's alarms may be real: on what?
        last = strongest(opened.signals).window_end - BIN  # a day tested whole ends at midnight
        local = last.astimezone(backgrounds.ZONE).date()
        day = (local - backgrounds.START.astimezone(backgrounds.ZONE).date()).days
        source = counts.sources[min(day, len(counts.sources) - 1)]
        found["source_day"] = source.isoformat() if source else None
    return found


def _surge(task: Task) -> Outcome:
    rng = np.random.default_rng(task.seed)
    day = HISTORY_DAYS + int(rng.integers(SURGE_DAYS))
    quiet = _background(task, day + 3, rng)
    profile = (backgrounds.DIURNAL if task.background == "synthetic"
               else _real(task.data, task.background).profile())  # fmt: skip
    surged = backgrounds.inject(quiet, day, round((task.multiplier - 1) * task.rate), profile, rng)
    start, stop = backgrounds.day_start(day), backgrounds.day_start(day + 1) + timedelta(days=1)
    replay = Replay(surged.series(), CrisisPolicy())
    first, last = backgrounds.bin_of(start), backgrounds.bin_of(stop)
    # Four hours at a time until an incident opens: with none open, a replay that stops and
    # goes on is the replay that never stopped (and most surges are caught in hours).
    for lo in range(first, last + 1, 4 * PER_HOUR):
        opened = replay.run(lo, min(lo + 4 * PER_HOUR - 1, last), task.step)
        if opened:
            at = opened[0].incident.opened_at
            delay = (at - start) / timedelta(minutes=1)
            return Outcome(task, (opened[0].as_json(),), delay)
    return Outcome(task, ())


def week(task: Task) -> Outcome:
    """One US airline's real week, from the 17th to the 24th at noon, Los Angeles time.

    "as live": the store holds nothing before the week, as for a tenant that has just
    started: the 36 days before it are empty bins. "tiled": the history is the airline's own
    first five days (the 17th to the 21st) looped back over the 36 days before the 17th, so
    the 17th to the 21st are the baseline itself and only the 22nd on is a test (and the
    looped days fall on other weekdays: five days cannot make a week)."""
    rows = backgrounds.read_us_airlines(Path(task.data) if task.data else None)[task.airline]
    first = datetime.combine(US_DAYS[0], datetime.min.time(), US_ZONE)
    end = US_END
    start = first - HISTORY
    moments = [(at, negative) for at, negative in rows if first <= at < end]
    if task.background == "tiled":
        span = timedelta(days=US_QUIET)
        quiet = [(at, n) for at, n in moments if at < first + span]
        loops = -(-HISTORY.days // US_QUIET)
        moments = [(at - k * span, n) for k in range(1, loops + 1) for at, n in quiet
                   if at - k * span >= start] + moments  # fmt: skip
    bins = _binned(moments)
    unknown = unheard(start, min(at for at, _ in moments))  # as live: nothing before the week
    series = {topic: build(topic, start, end, bins[topic], US_ZONE, unknown) for topic in TOPICS}
    replay = Replay(series, CrisisPolicy())
    opened = replay.run(series[ALL].index(first), series[ALL].index(end), task.step)
    days = []
    for n in range((US_DAYS[1] - US_DAYS[0]).days + 1):
        day = US_DAYS[0] + timedelta(days=n)
        inside = [neg for at, neg in rows if at.astimezone(US_ZONE).date() == day]
        days.append((day.isoformat(), len(inside), sum(inside)))
    return Outcome(task, tuple(o.as_json() for o in opened), days=tuple(days))


def _binned(moments: Iterable[tuple[datetime, bool]]) -> dict[str, list[tuple[datetime, int, int]]]:
    counted: Counter[tuple[str, datetime]] = Counter()
    negative: Counter[tuple[str, datetime]] = Counter()
    for at, is_negative in moments:
        start = at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)
        counted[(ALL, start)] += 1
        negative[(ALL, start)] += is_negative
        if is_negative:
            counted[(NEGATIVE, start)] += 1
            negative[(NEGATIVE, start)] += 1
    found: dict[str, list[tuple[datetime, int, int]]] = {t: [] for t in TOPICS}
    for (topic, start), n in counted.items():
        found[topic].append((start, n, negative[(topic, start)]))
    return found


@dataclass(frozen=True)
class FalseAlarms:
    background: str
    rate: float
    runs: int
    days: int
    per_topic: dict[str, int]  # incidents each topic signalled in
    incidents: int
    step_minutes: int
    source_days: dict[str, int] = field(default_factory=dict)
    triggers: dict[str, int] = field(default_factory=dict)  # what each incident opened on

    def per(self, topic: str | None, days: int) -> float:
        count = self.incidents if topic is None else self.per_topic.get(topic, 0)
        return count * days / max(1, self.days)

    def as_json(self) -> dict[str, object]:
        return {
            "kind": "false_alarms", "background": self.background, "rate": self.rate,
            "runs": self.runs, "days": self.days, "step_minutes": self.step_minutes,
            "per_topic": self.per_topic, "incidents": self.incidents,
            "per_30_days": {t: round(self.per(t, 30), 3) for t in TOPICS},
            "per_60_days": {t: round(self.per(t, 60), 3) for t in TOPICS},
            "incidents_per_60_days": round(self.per(None, 60), 3),
            "source_days": self.source_days, "triggers": self.triggers,
        }  # fmt: skip


@dataclass(frozen=True)
class Detection:
    background: str
    rate: float
    multiplier: float
    runs: int
    caught: int
    median_delay_minutes: float | None
    triggers: dict[str, int]

    @property
    def share(self) -> float:
        return self.caught / max(1, self.runs)

    def as_json(self) -> dict[str, object]:
        return {
            "kind": "detection", "background": self.background, "rate": self.rate,
            "multiplier": self.multiplier, "runs": self.runs, "caught": self.caught,
            "detection_rate": round(self.share, 3),
            "median_delay_minutes": self.median_delay_minutes, "triggers": self.triggers,
        }  # fmt: skip


@dataclass(frozen=True)
class Week:
    airline: str
    history: str
    days: tuple[tuple[str, int, int], ...]
    opened: tuple[dict[str, object], ...]

    def flagged(self) -> list[str]:
        """The local days incidents opened on."""
        return [_local_day(o["opened_at"]) for o in self.opened]

    def as_json(self) -> dict[str, object]:
        return {"kind": "us_week", "airline": self.airline, "history": self.history,
                "days": [list(d) for d in self.days], "flagged": self.flagged(),
                "incidents": list(self.opened)}  # fmt: skip


def _local_day(opened_at: object) -> str:
    return datetime.fromisoformat(str(opened_at)).astimezone(US_ZONE).date().isoformat()


@dataclass(frozen=True)
class Target:
    what: str
    figure: float
    bound: str
    met: bool

    def as_json(self) -> dict[str, object]:
        return {"kind": "target", "what": self.what, "figure": round(self.figure, 3),
                "bound": self.bound, "met": self.met}  # fmt: skip


@dataclass(frozen=True)
class Report:
    false_alarms: list[FalseAlarms]
    detection: list[Detection]
    weeks: list[Week]
    targets: list[Target]
    cpu_seconds: float

    def rows(self) -> list[dict[str, object]]:
        """Every row as JSON: false alarms, detection, the US week, then the targets."""
        return [
            *(a.as_json() for a in self.false_alarms),
            *(d.as_json() for d in self.detection),
            *(w.as_json() for w in self.weeks),
            *(t.as_json() for t in self.targets),
        ]


def summarise(outcomes: Iterable[Outcome]) -> Report:
    """The table from every run's outcome, in a fixed order whatever order they finished in."""
    done = list(outcomes)
    quiet: dict[tuple[str, float], list[Outcome]] = {}
    surges: dict[tuple[str, float, float], list[Outcome]] = {}
    weeks: list[Week] = []
    for o in done:
        t = o.task
        if t.kind == "quiet":
            quiet.setdefault((t.background, t.rate), []).append(o)
        elif t.kind == "surge":
            surges.setdefault((t.background, t.rate, t.multiplier), []).append(o)
        else:
            weeks.append(Week(t.airline, t.background, o.days, o.opened))
    alarms = [_false_alarms(b, r, runs) for (b, r), runs in sorted(quiet.items(), key=_order)]
    caught = [_detection(b, r, m, runs) for (b, r, m), runs in sorted(surges.items(), key=_order)]
    weeks.sort(key=lambda w: (w.airline, w.history))
    return Report(alarms, caught, weeks, _targets(alarms, caught), sum(o.seconds for o in done))


def _order(item: tuple[tuple[object, ...], object]) -> tuple[object, ...]:
    key = item[0]
    return (BACKGROUNDS.index(str(key[0])), *key[1:])


def _false_alarms(background: str, rate: float, runs: Sequence[Outcome]) -> FalseAlarms:
    topics: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    triggers: Counter[str] = Counter()
    for o in runs:
        for incident in o.opened:
            triggers[str(incident["trigger"])] += 1
            topics.update(str(t) for t in cast(list, incident["topics"]))
            if incident.get("source_day"):
                sources[str(incident["source_day"])] += 1
    days = sum(o.task.quiet_days for o in runs)
    return FalseAlarms(background, rate, len(runs), days, {t: topics[t] for t in TOPICS},
                       sum(len(o.opened) for o in runs), runs[0].task.step * 15,
                       dict(sources.most_common()), dict(triggers.most_common()))  # fmt: skip


def _detection(background: str, rate: float, multiplier: float,
               runs: Sequence[Outcome]) -> Detection:  # fmt: skip
    delays = [o.delay_minutes for o in runs if o.delay_minutes is not None]
    triggers = Counter(str(o.opened[0]["trigger"]) for o in runs if o.opened)
    median = round(statistics.median(delays), 1) if delays else None
    return Detection(background, rate, multiplier, len(runs), len(delays), median,
                     dict(triggers.most_common()))  # fmt: skip


def _targets(alarms: Sequence[FalseAlarms], caught: Sequence[Detection]) -> list[Target]:
    found = []
    for a in (a for a in alarms if a.background in SURGED):  # the quiet backgrounds
        worst = max(TOPICS, key=lambda t: a.per(t, 60))
        found.append(Target(f"{a.background} {a.rate:g}/day: false alarms per topic per 60 days "
                            f"(worst: {worst})", a.per(worst, 60), f"<= {FA_BUDGET:g}",
                            a.per(worst, 60) <= FA_BUDGET))  # fmt: skip
    for multiplier, rate, share in TARGETS:
        for d in caught:
            if (d.multiplier, d.rate) == (multiplier, rate):
                found.append(Target(f"{d.background} {rate:g}/day: a {multiplier:g}x day caught",
                                    d.share, f">= {share:.0%}", d.share >= share))  # fmt: skip
    return found


def bins_of(minutes: int) -> int:
    """A step in minutes as bins; it must be whole bins."""
    if minutes <= 0 or minutes % int(BIN.total_seconds() // 60):
        raise ValueError(f"a step of {minutes} minutes is not a whole number of 15-minute bins")
    return minutes // 15


class LabelError(ValueError):
    """A labels file that cannot be read: what, where and why."""


@dataclass(frozen=True)
class Label:
    """A window in which a person says there was an incident, about `topic` if given."""

    start: datetime
    end: datetime
    topic: str | None = None


def read_labels(path: Path, zone: ZoneInfo) -> list[Label]:
    """Windows from JSON lines ({"start", "end", "topic"?}) or CSV (start,end[,topic])."""
    import csv
    import json

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise LabelError(f"{path}: cannot be read: {error}") from None
    found: list[Label] = []
    jsonl = next((line.lstrip().startswith("{") for line in lines if line.strip()), False)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        if jsonl:
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise LabelError(f"{where}: not valid JSON: {error.msg}") from None
            if not isinstance(row, dict):
                raise LabelError(f"{where}: a label is a JSON object with start and end")
            found.append(_label([row.get("start"), row.get("end"), row.get("topic")], where, zone))
            continue
        cells = next(csv.reader([line]))
        if not found and cells[0].strip().lower() == "start":
            continue  # the header
        if len(cells) > 3:
            raise LabelError(f"{where}: {len(cells)} fields where start,end[,topic] are 3")
        found.append(_label(cells, where, zone))
    if not found:
        raise LabelError(f"{path}: no labels in it (start,end[,topic] or JSON lines)")
    return found


def _label(fields: Sequence[object], where: str, zone: ZoneInfo) -> Label:
    start, end, topic = [*fields, None, None][:3]
    if not start or not end:
        raise LabelError(f"{where}: a label needs a start and an end")
    try:
        since, until = moment(str(start), zone), moment(str(end), zone)
    except ValueError as error:
        raise LabelError(f"{where}: {error}") from None
    if until <= since:
        raise LabelError(f"{where}: its end {end} is not after its start {start}")
    return Label(since, until, (str(topic).strip() or None) if topic else None)


@dataclass(frozen=True)
class Score:
    incidents: int
    labels: int
    overlapping: int  # incidents that overlap some label
    caught: int  # labels with an incident opened inside them
    median_delay_minutes: float | None

    @property
    def precision(self) -> float | None:
        return self.overlapping / self.incidents if self.incidents else None

    @property
    def recall(self) -> float | None:
        return self.caught / self.labels if self.labels else None

    def as_json(self) -> dict[str, object]:
        return {
            "summary": True, "incidents": self.incidents, "labels": self.labels,
            "precision": _rounded(self.precision), "recall": _rounded(self.recall),
            "median_delay_minutes": self.median_delay_minutes,
        }  # fmt: skip


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def score(opened: Sequence[Opened], labels: Sequence[Label], until: datetime) -> Score:
    """Precision (incidents overlapping a label), recall (labels with an incident opened
    inside them) and the median delay from a caught label's start to its first incident.

    An incident lasts from its opening to its closing, or to `until` while still open; a label
    that names a topic matches only incidents that topic signalled in."""

    def about(o: Opened, label: Label) -> bool:
        return label.topic is None or label.topic in o.incident.topics

    def overlaps(o: Opened, label: Label) -> bool:
        end = o.incident.closed_at or until
        return about(o, label) and o.incident.opened_at <= label.end and end >= label.start

    overlapping = sum(any(overlaps(o, label) for label in labels) for o in opened)
    delays = []
    for label in labels:
        inside = [o.incident.opened_at for o in opened if about(o, label)]
        inside = [at for at in inside if label.start <= at <= label.end]
        if inside:
            delays.append((min(inside) - label.start) / timedelta(minutes=1))
    median = round(statistics.median(delays), 1) if delays else None
    return Score(len(opened), len(labels), overlapping, len(delays), median)
