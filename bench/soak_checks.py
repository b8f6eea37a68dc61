"""The soak's invariants: what the harness records while the daemon runs, and the numbers it reports.

`SampleTap` (a hub sink) keeps every sample the daemon published; `WriteLog` replaces a simulator's request log
and keeps every write that reached the simulated device; `Violations` counts broken invariants by name, with the
first few cases as examples. `stored_samples` reads back what the database holds; `slope` fits a line.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

from sqlalchemy import create_engine, inspect, select

from solarctl.sample import Sample
from solarctl.sim.request_log import LoggedRequest, RequestLog
from solarctl.store import schema

WRITE_FUNCTIONS = (5, 6, 15, 16)
EXAMPLES = 5  # cases kept per violation kind


@dataclass
class Violations:
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, kind: str, example: str, n: int = 1) -> None:
        if n <= 0:
            return
        self.counts[kind] += n
        if len(self.examples[kind]) < EXAMPLES:
            self.examples[kind].append(example)

    def as_dict(self) -> dict[str, Any]:
        return {"total": sum(self.counts.values()), "by_kind": dict(self.counts),
                "examples": {k: v for k, v in self.examples.items() if v}}


class SampleTap:
    """A hub sink: every Sample published, by device, with the checks that need nothing but the event itself."""

    name = "soak tap"

    def __init__(self, site: str, now: Callable[[], float], violations: Violations) -> None:
        self.site, self.now, self.violations = site, now, violations
        self.keys: dict[str, dict[int, float]] = defaultdict(dict)  # device -> sample time in ms -> soak time published
        self.last: dict[str, float] = {}
        self.seen_at: dict[str, list[float]] = defaultdict(list)  # device -> soak times it published (for recovery)

    def submit(self, event: object) -> None:
        if not isinstance(event, Sample):
            return
        key = round(event.timestamp * 1000)
        if key in self.keys[event.device]:
            self.violations.add("stale_published_as_fresh", f"{self.site}/{event.device}: sample at {event.timestamp} published twice")
        previous = self.last.get(event.device)
        if previous is not None and event.timestamp < previous:
            self.violations.add("stale_published_as_fresh", f"{self.site}/{event.device}: sample at {event.timestamp} after one at {previous}")
        self.keys[event.device][key] = self.now()
        self.last[event.device] = event.timestamp
        self.seen_at[event.device].append(self.now())

    def first_after(self, device: str, t: float) -> float | None:
        for at in self.seen_at.get(device, ()):  # appended in order: a scan from the end would be faster, this is rare
            if at >= t:
                return at
        return None


@dataclass(frozen=True)
class Write:
    unit: int
    function: int
    address: int
    values: tuple[int, ...]
    day: str  # UTC day on the daemon's clock


class WriteLog(RequestLog):
    """A simulator's request log that counts every request and keeps every write (a month of polls would not fit
    the in-memory log the simulators keep by default)."""

    def __init__(self, day: Callable[[], str]) -> None:
        super().__init__(maxlen=0)
        self.day = day
        self.requests: Counter[int] = Counter()  # unit -> requests
        self.writes: list[Write] = []

    def append(self, request: LoggedRequest) -> None:
        self.requests[request.unit] += 1
        if request.function in WRITE_FUNCTIONS:
            self.writes.append(Write(request.unit, request.function, request.address, request.values, self.day()))

    def note(self, text: str) -> None:
        self.requests[-1] += 1  # console commands and non-Modbus frames: counted, not attributed


def utc_day(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).date().isoformat()


def stored_samples(url: str) -> dict[str, Counter[int]]:
    """device -> sample time in ms -> rows in the `sample` table."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table(schema.sample.name):  # the store never wrote: every sample is lost
                return {}
            rows = conn.execute(select(schema.sample.c.device, schema.sample.c.ts)).all()
    finally:
        engine.dispose()
    found: dict[str, Counter[int]] = defaultdict(Counter)
    for device, ts in rows:
        stamp = ts.replace(tzinfo=timezone.utc).timestamp() if ts.tzinfo is None else ts.timestamp()
        found[device][round(stamp * 1000)] += 1
    return found


def ledger_entries(path: Path) -> list[dict[str, Any]]:
    entries = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue
    return entries


def slope(points: Iterable[tuple[float, float]]) -> float:
    """Least-squares slope of y over x (0 for fewer than two points)."""
    pts = list(points)
    if len(pts) < 2:
        return 0.0
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    var = sum((x - mx) ** 2 for x, _ in pts)
    return 0.0 if var == 0 else sum((x - mx) * (y - my) for x, y in pts) / var


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_and_fds() -> tuple[float, int]:
    """This process's resident memory (MB) and open file descriptors."""
    import os

    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6, len(os.listdir("/proc/self/fd"))
