"""The soak's fault catalogue: what each fault does to the running site, and what it must make the daemon say.

A `Fault` is drawn from a seeded generator (`schedule`), switched on at its start and off at its end by the
harness (`bench/soak.py`). Device faults flip the simulators' own switches (`solarctl.sim.faults.Faults`) or
stop and restart a simulator; store faults make the store's file and database calls fail as the real obstacle
would (the same places `tests/store/store_faults.py` hits); daemon faults stop the daemon (SIGTERM's path:
cancel, shutdown, strategies' exit settings) and start a new one; bursts send many writes through the real
safe-write layer in a row.
"""

from __future__ import annotations

import errno
import os
import random
import types
from dataclasses import dataclass, field
from typing import Any, Callable

from solarctl.store import spool as spool_module

# kind -> (what it targets, shortest and longest duration in simulated seconds)
CATALOGUE: dict[str, tuple[str, float, float]] = {
    "silence": ("device", 20.0, 3300.0),  # the simulator reads requests and never answers
    "slow": ("device", 60.0, 1200.0),  # answers late (within or beyond the link's timeout)
    "garbage": ("device", 30.0, 900.0),  # noise before answers, broken CRCs, mangled console lines
    "link_drop": ("device", 1.0, 1.0),  # TCP connections cut (a gateway reboot); serial: the simulator restarted at once
    "sim_killed": ("device", 10.0, 3300.0),  # the simulator stopped, started again after the duration
    "db_away": ("store", 60.0, 3300.0),  # every statement fails with the driver's OperationalError
    "spool_write": ("store", 30.0, 900.0),  # the spool's appends fail (the data dir away)
    "disk_full": ("store", 30.0, 900.0),  # the spool's appends fail with ENOSPC
    "checkpoint_write": ("store", 30.0, 900.0),  # the spool's checkpoint cannot be replaced
    "daemon_restart": ("daemon", 5.0, 120.0),  # stopped as by SIGTERM (strategies restore), started again
    "write_burst": ("writer", 1.0, 1.0),  # a burst of writes from people's channels through the SafeWriter
}
OVERLAP_CHANCE = 0.15  # now and then a second fault starts while the first one still holds


@dataclass
class Fault:
    kind: str
    site: str
    target: str  # a device name, "store", "daemon" or "writer"
    start: float  # soak seconds (simulated, since the soak began)
    duration: float
    end: float | None = None  # when it was switched off
    recovered_at: float | None = None  # soak seconds when the harness saw the target working again
    expect: list[tuple[str, str]] = field(default_factory=list)  # alerts (kind, device) it must raise
    raised: set[tuple[str, str]] = field(default_factory=set)  # of those, seen raised while it held (or just after)
    cleared: set[tuple[str, str]] = field(default_factory=set)  # of those, seen cleared after it ended
    note: str = ""
    backlog: Any = None  # the spool's end when a store or daemon fault was over: drained = recovered

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "site": self.site, "target": self.target, "start": round(self.start, 1),
                "duration": round(self.duration, 1), "recovery_s": None if self.recovery_s is None else round(self.recovery_s, 1),
                "expect": [list(e) for e in self.expect], "raised": sorted(map(list, self.raised)),
                "cleared": sorted(map(list, self.cleared)), "note": self.note}

    @property
    def recovery_s(self) -> float | None:
        return None if self.recovered_at is None or self.end is None else max(0.0, self.recovered_at - self.end)


def schedule(rng: random.Random, span_s: float, sites: dict[str, list[str]], kinds: list[str]) -> list[Fault]:
    """One fault every simulated hour (at a random minute of it), sometimes a second overlapping one."""
    faults = []
    hour = 3600.0
    t = 0.0
    while t + hour <= span_s:
        starts = [t + rng.uniform(300.0, 1800.0)]
        if rng.random() < OVERLAP_CHANCE:
            starts.append(starts[0] + rng.uniform(10.0, 600.0))
        for start in starts:
            kind = rng.choice(kinds)
            target_kind, shortest, longest = CATALOGUE[kind]
            site = rng.choice(sorted(sites))
            target = rng.choice(sites[site]) if target_kind == "device" else target_kind
            # Log-uniform: as many short faults as long ones, some beyond every alert threshold.
            duration = shortest if shortest == longest else shortest * (longest / shortest) ** rng.random()
            faults.append(Fault(kind, site, target, start, min(duration, t + hour - start - 60.0)))
        t += hour
    return faults


class Patches:
    """Attributes replaced for the soak (fault switches, planted defects), all put back by `undo` (the suite runs
    the soak inside its own process)."""

    def __init__(self) -> None:
        self._undo: list[tuple[object, str, object]] = []

    def set(self, owner: object, name: str, value: object) -> None:
        self._undo.append((owner, name, getattr(owner, name)))
        setattr(owner, name, value)

    def undo(self) -> None:
        while self._undo:
            owner, name, value = self._undo.pop()
            setattr(owner, name, value)


# --- store faults: the spool's os and the dialect's calls made faulty while a switch is on ------------------------

class StoreSwitches:
    """Installed once for the whole process (every site's store shares the spool module and SQLAlchemy's dialect
    classes); each switch is on while its fault holds for that site's data dir or engine."""

    def __init__(self, patches: Patches) -> None:
        self.spool_write: set[str] = set()  # spool dirs whose appends fail (ENOENT)
        self.disk_full: set[str] = set()  # spool dirs whose appends fail (ENOSPC)
        self.checkpoint: set[str] = set()  # spool dirs whose checkpoint replace fails
        self.db_away: set[int] = set()  # id() of engines' dialects whose statements fail
        self.hits: dict[str, int] = {}
        real = os

        def failing(kind: str, code: int) -> OSError:
            self.hits[kind] = self.hits.get(kind, 0) + 1
            return OSError(code, f"{os.strerror(code)} (injected by the soak: {kind})")

        switches = self

        class FaultyFile:
            def __init__(self, file: Any, directory: str) -> None:
                self._file, self._dir = file, directory

            def write(self, data: Any) -> int:
                if self._dir in switches.spool_write:
                    raise failing("spool_write", errno.ENOENT)
                if self._dir in switches.disk_full:
                    raise failing("disk_full", errno.ENOSPC)
                return int(self._file.write(data))

            def __enter__(self) -> "FaultyFile":
                return self

            def __exit__(self, *exc: object) -> None:
                self._file.close()

            def __getattr__(self, name: str) -> Any:
                return getattr(self._file, name)

        def fdopen(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            file = real.fdopen(fd, mode, *args, **kwargs)
            if "a" in mode:  # spool segments are appended to
                return FaultyFile(file, os.path.dirname(os.readlink(f"/proc/self/fd/{fd}")))
            return file

        def replace(src: Any, dst: Any) -> None:
            if os.path.dirname(os.fspath(dst)) in switches.checkpoint:
                raise failing("checkpoint_write", errno.EIO)
            real.replace(src, dst)

        faulty: dict[str, Callable[..., Any]] = {"fdopen": fdopen, "replace": replace}
        patches.set(spool_module, "os", types.SimpleNamespace(
            **{name: faulty.get(name, getattr(real, name)) for name in dir(real) if not name.startswith("__")}))

    def watch_engine(self, engine: Any) -> None:
        """Make this engine's statements fail while its dialect's id is in `db_away` (once per engine)."""
        dialect = engine.dialect
        if getattr(dialect, "_soak_watched", False):
            return
        error = dialect.loaded_dbapi.OperationalError
        switches = self

        def failing(real: Callable[..., Any]) -> Callable[..., Any]:
            def call(*args: Any, **kwargs: Any) -> Any:
                if id(dialect) in switches.db_away:
                    switches.hits["db_away"] = switches.hits.get("db_away", 0) + 1
                    raise error("Lost connection to server during query (injected by the soak)")
                return real(*args, **kwargs)
            return call

        for name in ("do_execute", "do_executemany", "do_execute_no_params", "do_commit"):
            setattr(dialect, name, failing(getattr(dialect, name)))
        dialect._soak_watched = True
