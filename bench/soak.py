"""Soak: the whole daemon through a fault every simulated hour, checking that nothing is lost, nothing is written
outside its rules and nothing dies unseen.

Each demo site (`solarctl demo`'s configs: the simulators on real sockets and ptys, the real daemon with its
store, strategies, command file, alerts and supervisor) runs on one `ScaledClock` shared by the plant, the
simulators' plant and the daemon, polling every `--poll` simulated seconds. Faults come from a seeded catalogue
(bench/soak_faults.py), one every simulated hour, sometimes two overlapping. The invariants (bench/soak_checks.py)
are checked while it runs and at the end; the report is JSON (`--json FILE`) and a short table.

    .venv/bin/python bench/soak.py --days 1 --seed 1 --site both --store sqlite [--speed 1500] [--json out.json]

Time limits that are real seconds stay real (a link's request timeout): on a clock sped up N times a timeout
of 1 s is N simulated seconds, so the alert thresholds are raised to a few wall seconds (`thresholds`).
`--plant DEFECT` (harness only) plants a known defect to show the soak finds it: `store-stall` (the store's
database loop stops taking batches while its health stays ok) or `budget-bypass` (the write budget never refuses).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solarctl.alerts.model import AlertEvent
from solarctl.clock import ScaledClock
from solarctl.config import Config
from solarctl.control.safe_write import RESTORE_RESERVE
from solarctl.control.write_budget import WriteBudget
from solarctl.daemon import Daemon
from solarctl.devices.jk.pb_bus import TRIGGERS
from solarctl.demo.run import load_demo_config
from solarctl.installation import Installation
from solarctl.plant import Plant, run_plant
from solarctl.registers.codec import encode
from solarctl.sim.site import SimulatedSite
from solarctl.store.engine import database_url
from solarctl.store.spool import Spool
from solarctl.store.store import SampleStore, spool_dir

sys.path.insert(0, str(Path(__file__).parent))
from soak_checks import (SampleTap, Violations, WriteLog, ledger_entries, percentile, rss_and_fds, slope,  # noqa: E402
                         stored_samples, utc_day)
from soak_faults import CATALOGUE, Fault, Patches, StoreSwitches, schedule  # noqa: E402

SITES = {"scp": "scp_site", "solar-station": "solar_station_site"}
PLANTS = ("store-stall", "budget-bypass")
BURSTS = {"scp": ("xw", "low_battery_cut_out_delay", (5.0, 6.0)),  # (device, setting, the two values it alternates)
          "solar-station": ("inverter", "battery_capacity", (100.0, 101.0))}
JK_TRIGGERS = frozenset(TRIGGERS.values())
# A failed or refused write's alert clears after later writes of that setting find it fine (alerts/health.py
# write_outcome): with no later write it stays open by design. Listed in the report, not counted as violations.
WRITE_ALERTS = ("write_failed", "write_refused")
# Failed writes that were (or may have been) sent, by the start of their reason (control/safe_write.py)
SENT = ("write failed", "read-back failed", "read back", "cancelled while writing", "written, but cancelled")
QUIET_S = 1800.0  # simulated seconds without faults at the end (at least settle_s): every alert must clear, every sample land
log = logging.getLogger("soak")


@dataclass
class Thresholds:
    """Alert thresholds (simulated seconds) no shorter than a few wall seconds at this speed."""

    device_lost_s: float
    sink_down_s: float
    health_interval: float
    settle_s: float  # how long after a fault's end its alerts may take to clear
    stall_s: float  # how long a poller or the store may make no progress before it counts as dead

    @classmethod
    def at(cls, speed: float) -> "Thresholds":
        return cls(max(300.0, 4 * speed), max(60.0, 3 * speed), max(10.0, 0.5 * speed), max(900.0, 15 * speed), max(600.0, 10 * speed))


@dataclass
class SiteRun:
    name: str
    config: Config
    plant: Plant
    sim: SimulatedSite
    tap: SampleTap
    logs: dict[str, WriteLog]  # simulator label -> its request log
    units: dict[tuple[str, int], str]  # (simulator label, unit) -> device name
    daemon: Daemon | None = None
    task: asyncio.Task[None] | None = None
    alerts: list[tuple[float, AlertEvent]] = field(default_factory=list)
    restores_checked: int = 0
    store_progress: tuple[float, Any] = (0.0, None)  # (soak time, committed offset) of the last progress seen
    poll_progress: dict[str, tuple[float, int]] = field(default_factory=dict)


class Soak:
    def __init__(self, *, days: float, seed: int, sites: list[str], store: str, speed: float, poll: float,
                 kinds: list[str] | None = None, plant_defect: str | None = None, db_url: str | None = None,
                 wall_limit: float | None = None, devices: list[str] | None = None, write_budget: int | None = None,
                 keep: bool = False) -> None:
        self.write_budget = write_budget  # [control] daily_write_budget for the run (None: the sites' own)
        self.keep = keep  # keep the sites' data dirs (database, spool, ledger) after the report
        self.only = devices  # keep only these devices (and the strategies that need nothing else); None: all
        self.wall_limit = wall_limit  # wall seconds: then no more faults, the quiet end, and the report of what ran
        self.span = days * 86400.0
        self.seed, self.sites_wanted, self.store, self.speed, self.poll = seed, sites, store, speed, poll
        self.kinds = kinds or list(CATALOGUE)
        self.plant_defect, self.db_url = plant_defect, db_url
        self.clock = ScaledClock(speed)
        self.t0 = self.clock.monotonic()
        self.limits = Thresholds.at(speed)
        self.violations = Violations()
        self.patches = Patches()
        self.switches = StoreSwitches(self.patches)
        self.runs: dict[str, SiteRun] = {}
        self.faults: list[Fault] = []
        self.active: list[Fault] = []
        self.resources: list[tuple[float, float, int]] = []  # (soak s, RSS MB, fds)
        self.write_alerts_open: list[str] = []  # see WRITE_ALERTS

    def now(self) -> float:
        """Soak seconds: simulated time since the start."""
        return self.clock.monotonic() - self.t0

    # --- setting up -------------------------------------------------------------------------------------------

    def _config(self, site: str) -> Config:
        config = load_demo_config(Path(tempfile.mkdtemp(prefix=f"solarctl-soak-{site}-")), SITES[site])
        devices = [d.model_copy(update={"poll_interval": self.poll}) for d in config.device if self.only is None or d.name in self.only]
        kept = {d.name for d in devices}
        alerts = config.alerts.model_copy(update={"device_lost_s": self.limits.device_lost_s,
                                                  "sink_down_s": self.limits.sink_down_s,
                                                  "health_interval": self.limits.health_interval})
        # The store gathers a batch for flush_interval and retries a database away after retry_interval (simulated
        # seconds): at full speed, a commit every few wall milliseconds would be all the machine does.
        storage = config.storage.model_copy(update={"flush_interval": max(config.storage.flush_interval, 0.2 * self.speed),
                                                    "retry_interval": max(config.storage.retry_interval, 0.1 * self.speed),
                                                    **({} if self.db_url is None else {"url": self.db_url})})
        # A strategy's own "battery data lost" limit, like the alerts' thresholds, no shorter than a few wall seconds.
        strategies = [s.model_copy(update={"battery_lost_after": max(s.battery_lost_after, self.limits.device_lost_s)})
                      if hasattr(s, "battery_lost_after") else s for s in config.strategy
                      if all(getattr(s, role, None) in kept for role in ("inverter", "battery") if hasattr(s, role))]
        control = config.control if self.write_budget is None else \
            config.control.model_copy(update={"daily_write_budget": self.write_budget})
        return config.model_copy(update={"web": None, "device": devices, "alerts": alerts, "storage": storage,
                                         "strategy": strategies, "control": control})

    async def _start_site(self, site: str) -> SiteRun:
        config = self._config(site)
        plant = Plant(config.plant, start=self.clock.time())
        sim = SimulatedSite(config, plant)
        await sim.start()
        logs = {}
        for label, server in sim.servers.items():
            logs[label] = server.requests = WriteLog(lambda: utc_day(self.clock.time()))
        units = {(label, getattr(d, "unit", 0)): d.name for d in config.device
                 for label, server in sim.servers.items() if sim.server_of[d.name] is server}
        run = SiteRun(site, config, plant, sim, SampleTap(site, self.now, self.violations), logs, units)
        self.runs[site] = run
        await self._start_daemon(run)
        # Alembic keeps its migration context in module globals: two stores of one process must not migrate at
        # once (two daemons never share a process outside the soak), so the next site starts once this one has.
        async with asyncio.timeout(120):
            while run.daemon is not None and not getattr(run.daemon.store, "_checked", False):
                await asyncio.sleep(0.05)
        return run

    async def _start_daemon(self, run: SiteRun) -> None:
        daemon = Daemon(run.config, self.clock)
        daemon.hub.attach(run.tap)
        publish = daemon.alerts.publish

        def record(event: AlertEvent) -> None:
            run.alerts.append((self.now(), event))
            publish(event)
        daemon.alerts.publish = record
        run.daemon = daemon
        run.task = asyncio.create_task(daemon.run(), name=f"daemon {run.name}")
        run.store_progress = (self.now(), None)
        run.poll_progress = {}

    async def _stop_daemon(self, run: SiteRun) -> None:
        """As SIGTERM does (cli/run_cmd.py): cancel the daemon's run; its shutdown restores the strategies' exit settings."""
        assert run.task is not None and run.daemon is not None
        run.task.cancel()
        await asyncio.gather(run.task, return_exceptions=True)
        await self._check_restores(run)

    async def _check_restores(self, run: SiteRun) -> None:
        """Every strategy's exit settings are on the device after a stop (read back over a fresh link), or queued
        in pending_restores.json when the device could not take them (a device fault holds)."""
        assert run.daemon is not None
        wanted = [p for s in run.daemon.strategies for p in s.strategy.stop_proposals()]
        if not wanted:
            return
        pending = (run.config.general.data_dir / "pending_restores.json")
        site = Installation(run.config, self.clock)
        try:
            for proposal in wanted:
                device = site.devices[proposal.device]
                reg = device.setting(proposal.setting)
                assert reg is not None
                run.restores_checked += 1
                try:
                    async with asyncio.timeout(5):
                        value = await device.read_setting(site.link(proposal.device), reg)
                except Exception:  # noqa: BLE001 - the device is down: the restore must be queued
                    if proposal.setting not in (pending.read_text() if pending.exists() else ""):
                        self._violation("exit_setting_not_restored", run, f"{proposal.device}.{proposal.setting}: device away and no pending restore")
                    continue
                if encode(reg, value) != encode(reg, proposal.value):
                    if proposal.setting not in (pending.read_text() if pending.exists() else ""):
                        self._violation("exit_setting_not_restored", run,
                                        f"{proposal.device}.{proposal.setting} is {value}, exit setting {proposal.value}")
        finally:
            await site.close()

    def _violation(self, kind: str, run: SiteRun, what: str) -> None:
        self.violations.add(kind, f"t={self.now():.0f}s {run.name}: {what}")

    # --- faults ------------------------------------------------------------------------------------------------

    def _expect(self, fault: Fault) -> None:
        run = self.runs[fault.site]
        if CATALOGUE[fault.kind][0] == "device" and fault.kind in ("silence", "sim_killed"):
            if fault.duration > self.limits.device_lost_s + 2 * self.limits.health_interval + self.speed * 2:
                fault.expect = [("device_lost", d.name) for d in self._mates(run, fault.target)]
        elif fault.kind == "db_away" and fault.duration > self.limits.sink_down_s + self.speed * 3:
            fault.expect = [("sink_down", "sink:store")]

    def _mates(self, run: SiteRun, device: str) -> list[Any]:
        """The devices behind the same simulator as `device` (a gateway's units, a bus's packs)."""
        server = run.sim.server_of[device]
        return [d for d in run.config.device if run.sim.server_of.get(d.name) is server]

    async def _switch(self, fault: Fault, on: bool) -> None:
        run = self.runs[fault.site]
        kind = fault.kind
        if CATALOGUE[kind][0] == "device":
            server = run.sim.server_of[fault.target]
            faults = server.faults
            if kind == "silence":
                faults.silent = on
            elif kind == "slow":
                timeout = next(d.timeout for d in run.config.device if d.name == fault.target)
                faults.delay_s = random.Random(fault.start).uniform(0.3, 1.5) * timeout if on else 0.0
            elif kind == "garbage":
                if hasattr(faults, "garbage"):
                    faults.garbage = on
                elif hasattr(server, "turnaround_s"):  # an RS485 bus: line noise and a broken CRC
                    faults.noise = b"\x00\xff\x13" if on else b""
                    unit = next(d.unit for d in run.config.device if d.name == fault.target)
                    (faults.corrupt_units.add if on else faults.corrupt_units.discard)(unit)
                else:  # a TCP gateway: the device answers with an exception (busy)
                    faults.exception_code = 6 if on else None
            elif kind == "link_drop" and on:
                if hasattr(server, "drop_connections"):
                    server.drop_connections()
                else:
                    await server.stop()
                    await server.start()
            elif kind == "sim_killed":
                await (server.stop() if on else server.start())
        elif kind == "db_away":
            pass  # applied on every tick to the current store's engine (a restarted daemon has a new one)
        elif kind in ("spool_write", "disk_full", "checkpoint_write"):
            target = {"spool_write": self.switches.spool_write, "disk_full": self.switches.disk_full,
                      "checkpoint_write": self.switches.checkpoint}[kind]
            (target.add if on else target.discard)(str(spool_dir(run.config)))
        elif kind == "daemon_restart":
            await (self._stop_daemon(run) if on else self._start_daemon(run))
        elif kind == "write_burst" and on:
            await self._burst(run, fault)

    async def _burst(self, run: SiteRun, fault: Fault) -> None:
        """Writes in a row from people's channels: the command file where the site has one, else the safe-write
        layer directly under the channels' source names (the web page and MQTT are not served in the soak)."""
        device, setting, values = BURSTS[run.name]
        n = random.Random(fault.start).randint(10, 40)
        if run.config.command_file is not None:
            with open(run.config.command_file.path, "a", encoding="utf-8") as fh:
                fh.writelines(f"{device}.{setting}={values[i % 2]}\n" for i in range(n))
            fault.note = f"{n} lines in the command file"
            return
        assert run.daemon is not None
        for i in range(n):
            await run.daemon.writer.write(device, setting, values[i % 2], source=("web:soak", "mqtt", "cli")[i % 3])
        fault.note = f"{n} writes"

    def _recovered(self, fault: Fault) -> bool:
        run = self.runs[fault.site]
        assert fault.end is not None
        kind = CATALOGUE[fault.kind][0]
        if kind == "device":
            at = run.tap.first_after(fault.target, fault.end)
            fault.recovered_at = at
            return at is not None
        if kind == "store" or kind == "daemon":
            if kind == "daemon":
                ats = [run.tap.first_after(d.name, fault.end) for d in run.config.device]
                if any(a is None for a in ats):
                    return False
            store = run.daemon.store if run.daemon else None
            if store is None or not store.running or store.spool is None:
                return False
            if fault.backlog is None:  # what the spool held when the fault was over (a restarted store: once it runs)
                fault.backlog = store.spool.end
            status = store.status
            if status.connected and not status.spool_error and store._committed >= fault.backlog:
                fault.recovered_at = self.now()
                return True
            return False
        fault.recovered_at = fault.end
        return True

    # --- watching -----------------------------------------------------------------------------------------------

    def _tick(self) -> None:
        """Continuous checks; also keeps the database fault on the current store's engine."""
        now = self.now()
        for run in self.runs.values():
            daemon = run.daemon
            if daemon is None or run.task is None or run.task.done():
                continue
            store = daemon.store
            if store.running:
                self.switches.watch_engine(store.engine)
                away = any(f.site == run.name and f.kind == "db_away" for f in self.active)
                (self.switches.db_away.add if away else self.switches.db_away.discard)(id(store.engine.dialect))
            self._check_fresh(run, daemon)
            self._check_alive(run, daemon, now)

    def _check_fresh(self, run: SiteRun, daemon: Daemon) -> None:
        """No stale value shown as fresh: a device whose latest poll failed is not `ok` in the hub."""
        for name, device in daemon.site.devices.items():
            if device.health.consecutive_errors and daemon.hub.state(name).ok:
                self._violation("stale_published_as_fresh", run, f"{name}: latest poll failed, hub says ok")

    def _check_alive(self, run: SiteRun, daemon: Daemon, now: float) -> None:
        """No task dead (or stalled) while health says ok: each poller polls, the store's database loop takes the
        spool while no store fault holds, and no supervised store task is done behind a healthy state."""
        health = daemon.health()
        limit = self.limits.stall_s
        for name, device in daemon.site.devices.items():
            polls = device.health.polls
            at, seen = run.poll_progress.get(name, (now, -1))
            if polls != seen:
                run.poll_progress[name] = (now, polls)
            elif now - at > limit and all(v.get("state") != "down" for k, v in health.items() if k.startswith("task:poller")):
                self._violation("task_dead_unseen", run, f"poller of {name}: no poll for {now - at:.0f} s, health ok")
                run.poll_progress[name] = (now, polls)
        store = daemon.store
        if not store.running or store.spool is None:
            return
        for task, task_name in zip(store._tasks, store.TASKS):
            state = health.get(f"task:{task_name}", {}).get("state")
            if task.done() and state == "ok":
                self._violation("task_dead_unseen", run, f"{task_name} ended, health ok")
        at, committed = run.store_progress
        faulted = any(f.site == run.name and CATALOGUE[f.kind][0] in ("store", "daemon") for f in self.active)
        if store._committed != committed or store._committed >= store.spool.end or faulted:
            run.store_progress = (now, store._committed)
        elif now - at > limit and not any(v.get("state") == "down" for k, v in health.items() if k.startswith("task:store")) \
                and health.get("sink:store", {}).get("state") == "ok":
            self._violation("task_dead_unseen", run, f"store: spool not taken for {now - at:.0f} s, health ok")
            run.store_progress = (now, store._committed)

    # --- the run ----------------------------------------------------------------------------------------------

    async def run(self) -> dict[str, Any]:
        began = time.monotonic()
        self._plant_defect()
        for site in self.sites_wanted:
            await self._start_site(site)
        plants = [asyncio.create_task(run_plant(r.plant, self.clock)) for r in self.runs.values()]
        rng = random.Random(self.seed)
        devices = {name: [d.name for d in r.config.device] for name, r in self.runs.items()}
        self.faults = schedule(rng, self.span, devices, self.kinds)
        for f in self.faults:
            f.duration = max(f.duration, CATALOGUE[f.kind][1], 0.5 * self.speed if CATALOGUE[f.kind][1] > 1 else 0)
            self._expect(f)
        pending = sorted(self.faults, key=lambda f: f.start)
        recovering: list[Fault] = []
        next_sample = 0.0
        try:
            while self.now() < self.span + max(QUIET_S, self.limits.settle_s) or self.active or recovering:
                now = self.now()
                if self.wall_limit is not None and time.monotonic() - began > self.wall_limit and now < self.span:
                    self.span = now  # the longest run the wall time allowed: the report says how long it was
                    for fault in pending:
                        fault.note = "skipped: past the wall-time limit"
                while pending and pending[0].start <= now and self.now() < self.span:
                    fault = pending.pop(0)
                    if any(a.site == fault.site and a.kind == "daemon_restart" for a in self.active) and fault.kind != "daemon_restart":
                        fault.note = "skipped: the daemon was stopped"
                        continue
                    if fault.kind == "daemon_restart" and any(a.site == fault.site and a.kind == "daemon_restart" for a in self.active):
                        fault.note = "skipped: the daemon was stopped"
                        continue
                    self.active.append(fault)
                    await self._switch(fault, True)
                for fault in [f for f in self.active if self.now() >= f.start + f.duration]:
                    await self._switch(fault, False)
                    fault.end = self.now()
                    self.active.remove(fault)
                    recovering.append(fault)
                for fault in [f for f in recovering if self._recovered(f) or self.now() - (f.end or 0) > self.limits.settle_s]:
                    recovering.remove(fault)
                    if fault.recovered_at is None:
                        self._violation("not_recovered", self.runs[fault.site], f"{fault.kind} on {fault.target}: "
                                        f"not working {self.limits.settle_s:.0f} s after the fault ended")
                self._tick()
                if now >= next_sample:
                    rss, fds = rss_and_fds()
                    self.resources.append((now, rss, fds))
                    next_sample = now + 3600.0
                for run in self.runs.values():
                    if run.task is not None and run.task.done() and not any(
                            a.site == run.name and a.kind == "daemon_restart" for a in self.active):
                        run.task.result()  # a daemon that ends by itself is a crash: surface it
                        raise RuntimeError(f"the {run.name} daemon returned")
                await asyncio.sleep(min(0.05, 5.0 / self.speed))
        finally:
            wall = time.monotonic() - began
            for run in self.runs.values():
                if run.daemon is not None and run.task is not None and not run.task.done():
                    if run.daemon.store.running:
                        await run.daemon.store.flush(10)  # what it has not written by then counts as lost
                    await self._stop_daemon(run)
            for task in plants:
                task.cancel()
            await asyncio.gather(*plants, return_exceptions=True)
            for run in self.runs.values():
                await run.sim.stop()
            self.patches.undo()
        report = self._report(wall)
        if not self.keep:
            for run in self.runs.values():
                shutil.rmtree(run.config.general.data_dir, ignore_errors=True)
        return report

    def _plant_defect(self) -> None:
        """Known defects, planted only in this process, to show the soak finds them."""
        if self.plant_defect == "store-stall":
            real_write, real_loop = SampleStore._write, SampleStore._db_loop
            batches = Counter[int]()

            class Stalled(Exception):
                pass

            def write(store: SampleStore, batch: list[Any]) -> None:
                batches[id(store)] += 1
                if batches[id(store)] > 3:
                    raise Stalled()
                real_write(store, batch)

            async def db_loop(store: SampleStore) -> None:
                try:
                    await real_loop(store)
                except Stalled:  # the silent death: the loop is alive, takes nothing, and its health stays ok
                    await asyncio.Event().wait()

            self.patches.set(SampleStore, "_write", write)
            self.patches.set(SampleStore, "_db_loop", db_loop)
        elif self.plant_defect == "budget-bypass":
            real_reserve = WriteBudget.reserve

            def reserve(budget: WriteBudget, *args: Any, **kwargs: Any) -> str | None:
                limit, budget.limit = budget.limit, 10 ** 9
                try:
                    return real_reserve(budget, *args, **kwargs)
                finally:
                    budget.limit = limit

            self.patches.set(WriteBudget, "reserve", reserve)

    # --- the report ----------------------------------------------------------------------------------------------

    def _report(self, wall: float) -> dict[str, Any]:
        samples = self._check_samples()
        writes = self._check_writes()
        self._check_alerts()
        hours = [(t / 86400.0, rss, fds) for t, rss, fds in self.resources]
        recovery: dict[str, list[float]] = defaultdict(list)
        for f in self.faults:
            if f.recovery_s is not None:
                recovery[f.kind].append(f.recovery_s)
        injected = [f for f in self.faults if not f.note.startswith("skipped")]
        self.faults = [f for f in self.faults if not f.note.startswith("skipped: past")]
        return {
            "days": self.span / 86400.0, "seed": self.seed, "sites": self.sites_wanted, "store": self.store,
            "speed": self.speed, "poll_s": self.poll, "devices": self.only,
            "data_dirs": [str(r.config.general.data_dir) for r in self.runs.values()] if self.keep else None, "wall_s": round(wall, 1), "planted": self.plant_defect,
            "faults": dict(Counter(f.kind for f in injected)), "faults_total": len(injected),
            "overlapping": sum(1 for a, b in zip(self.faults, self.faults[1:]) if a.end is not None and b.start < a.end),
            "violations": self.violations.as_dict(),
            "recovery_s": {k: {"p50": percentile(v, 0.5), "p95": percentile(v, 0.95), "n": len(v)} for k, v in sorted(recovery.items())},
            "not_recovered": [f.as_dict() for f in injected if f.end is not None and f.recovery_s is None],
            "samples": samples, "writes": writes,
            # 1 s polling is asked for; this is what the machine delivered at this speed (samples per device per simulated hour)
            "samples_per_device_hour": round(samples["published"] / max(1, sum(len(r.config.device) for r in self.runs.values()))
                                             / (self.now() / 3600.0), 1),
            "faults_with_alerts_expected": sum(1 for f in injected if f.expect),
            "restores_checked": sum(r.restores_checked for r in self.runs.values()),
            "rss_mb_per_day": round(slope((d, r) for d, r, _ in hours), 2),
            "fds_per_day": round(slope((d, n) for d, _, n in hours), 2),
            "rss_mb": [round(hours[0][1], 1), round(hours[-1][1], 1)] if hours else None,
            "fds": [hours[0][2], hours[-1][2]] if hours else None,
            "write_alerts_open_at_end": self.write_alerts_open,
            "alerts_raised": sum(1 for r in self.runs.values() for _, e in r.alerts if e.state == "active" and e.count == 1),
            "fault_list": [f.as_dict() for f in self.faults],
        }

    def _check_samples(self) -> dict[str, Any]:
        """Every sample the daemon published is in the database exactly once; the simulators saw the requests."""
        published = stored = lost = extra = 0
        requests = 0
        for run in self.runs.values():
            rows = stored_samples(database_url(run.config).render_as_string(hide_password=False))
            requests += sum(sum(log.requests.values()) for log in run.logs.values())
            for device, keys in run.tap.keys.items():
                have = rows.get(device, Counter())
                published += len(keys)
                missing = sorted(set(keys) - set(have))
                lost += len(missing)
                if missing:
                    when = ", ".join(f"t={keys[k]:.0f}s" for k in missing[:3])
                    self._violation("samples_lost", run, f"{device}: {len(missing)} of {len(keys)} samples not in the database "
                                                         f"(published at {when}{' …' if len(missing) > 3 else ''})")
            for device, have in rows.items():
                stored += sum(have.values())
                doubled = sum(n - 1 for n in have.values() if n > 1)
                unknown = set(have) - set(run.tap.keys.get(device, {}))
                extra += len(unknown) + doubled
                if unknown or doubled:
                    self._violation("samples_not_once", run, f"{device}: {len(unknown)} rows never published, {doubled} doubled")
            spool = Spool(spool_dir(run.config), 10**9, 0.9)
            try:
                if spool.pending_bytes():
                    self._violation("samples_lost", run, f"{spool.pending_bytes()} bytes left in the spool at the end")
            finally:
                spool.close()
        return {"published": published, "stored": stored, "lost": lost, "not_once": extra, "simulator_requests": requests}

    def _check_writes(self) -> dict[str, Any]:
        """Every write a simulator received passed validation and the budget and is in the audit ledger."""
        reached = unaudited = over_budget = invalid = 0
        for run in self.runs.values():
            assert run.daemon is not None
            ledger = ledger_entries(run.config.general.data_dir / "audit.jsonl")
            audited: Counter[tuple[str, int]] = Counter()
            for e in ledger:
                if e.get("outcome") == "written" or (e.get("outcome") == "failed" and str(e.get("reason", "")).startswith(SENT)):
                    audited[(e["device"], int(e.get("register") or -1))] += 1
            seen: Counter[tuple[str, int]] = Counter()
            per_day: Counter[tuple[str, int, str]] = Counter()
            for label, wlog in run.logs.items():
                for w in wlog.writes:
                    device = run.units.get((label, w.unit), f"unit {w.unit}")
                    if w.address in JK_TRIGGERS and run.daemon.site.devices[device].driver == "jk_pb":
                        continue  # the PB bus asks for a frame with a write to a trigger register: a read
                    reached += 1
                    dev = run.daemon.site.devices.get(device)
                    if dev is None or not any(r.address == w.address for r in dev.settings()):
                        invalid += 1
                        self._violation("write_outside_rules", run, f"{device}: write to {w.address} is no writable setting")
                    seen[(device, w.address)] += 1
                    per_day[(device, w.address, w.day)] += 1
            for key, n in seen.items():
                if n > audited[key]:
                    unaudited += n - audited[key]
                    self._violation("write_outside_rules", run, f"{key[0]} register {key[1]}: {n} writes reached it, {audited[key]} audited")
            limit = run.config.control.daily_write_budget + RESTORE_RESERVE
            for (device, address, day), n in per_day.items():
                if n > limit:
                    over_budget += n - limit
                    self._violation("write_outside_rules", run, f"{device} register {address} on {day}: {n} writes, budget {limit}")
        return {"reached_devices": reached, "unaudited": unaudited, "over_budget": over_budget, "not_a_setting": invalid}

    def _check_alerts(self) -> None:
        """Every fault that should raise an alert raised it while it held, and it cleared after the fault ended;
        no alert left open at the end."""
        for f in self.faults:
            if not f.expect or f.end is None:
                continue
            run = self.runs[f.site]
            for kind, device in f.expect:
                raised = [t for t, e in run.alerts if e.kind == kind and e.device == device and e.state == "active"
                          and f.start <= t <= f.end + self.limits.settle_s]
                cleared = [t for t, e in run.alerts if e.kind == kind and e.device == device and e.state == "cleared" and t >= f.end]
                if raised:
                    f.raised.add((kind, device))
                else:
                    self._violation("alert_not_raised", run, f"{f.kind} on {f.target} for {f.duration:.0f} s: no {kind} for {device}")
                if cleared:
                    f.cleared.add((kind, device))
                else:
                    self._violation("alert_not_cleared", run, f"{f.kind} on {f.target}: {kind} for {device} never cleared")
        for run in self.runs.values():
            last: dict[tuple[str, str | None], str] = {}
            for _, e in run.alerts:
                last[(e.kind, e.device)] = e.state
            for (alert_kind, alert_device), state in last.items():
                if state == "active" and alert_kind in WRITE_ALERTS:
                    self.write_alerts_open.append(f"{run.name}: {alert_kind} {alert_device}")
                elif state == "active":
                    self._violation("alert_open_at_end", run, f"{alert_kind} {alert_device} still active after {QUIET_S:.0f} s without faults")


def table(report: dict[str, Any]) -> str:
    v = report["violations"]
    lines = [f"soak: {report['days']:g} simulated day(s), seed {report['seed']}, {'+'.join(report['sites'])} on {report['store']}, "
             f"{report['speed']:g}x, poll {report['poll_s']:g} s: {report['wall_s']:.0f} s wall" +
             (f"  [planted: {report['planted']}]" if report["planted"] else ""),
             f"faults {report['faults_total']} ({report['overlapping']} overlapping): " +
             ", ".join(f"{k} {n}" for k, n in sorted(report["faults"].items())),
             f"violations {v['total']}" + (": " + ", ".join(f"{k} {n}" for k, n in sorted(v["by_kind"].items())) if v["total"] else ""),
             f"samples published {report['samples']['published']}, stored {report['samples']['stored']}, lost {report['samples']['lost']}, "
             f"not once {report['samples']['not_once']}; simulator requests {report['samples']['simulator_requests']}; "
             f"{report['samples_per_device_hour']:g} samples per device per simulated hour",
             f"writes reaching devices {report['writes']['reached_devices']}: unaudited {report['writes']['unaudited']}, "
             f"over budget {report['writes']['over_budget']}, not a setting {report['writes']['not_a_setting']}; "
             f"exit settings checked {report['restores_checked']}",
             f"RSS {report['rss_mb']} MB ({report['rss_mb_per_day']:+} MB/day), fds {report['fds']} ({report['fds_per_day']:+}/day); "
             f"alerts raised {report['alerts_raised']}; faults that had to raise one {report['faults_with_alerts_expected']}",
             "recovery (simulated s)  kind: p50 / p95 (n)"]
    lines += [f"  {k}: {r['p50']:.0f} / {r['p95']:.0f} ({r['n']})" for k, r in report["recovery_s"].items() if r["p50"] is not None]
    for kind, examples in v["examples"].items():
        lines += [f"  {kind}: {e}" for e in examples[:3]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--site", choices=("scp", "solar-station", "both"), default="both")
    parser.add_argument("--store", choices=("sqlite", "mariadb", "postgresql"), default="sqlite")
    parser.add_argument("--speed", type=float, default=1500.0, help="simulated seconds per wall second")
    parser.add_argument("--poll", type=float, default=1.0, help="poll interval, simulated seconds")
    parser.add_argument("--faults", help="comma-separated kinds (default: the whole catalogue: " + ", ".join(CATALOGUE) + ")")
    parser.add_argument("--plant", choices=PLANTS, help="plant a known defect (harness only) to show the soak finds it")
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument("--devices", help="comma-separated device names to keep (default: every device of the sites)")
    parser.add_argument("--write-budget", type=int, help="[control] daily_write_budget for the run (default: the sites' own)")
    parser.add_argument("--keep", action="store_true", help="keep the sites' data dirs (printed) for a look afterwards")
    parser.add_argument("--wall-limit", type=float, help="stop injecting after this many wall seconds and report what ran")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)  # the daemon's own fault messages would drown the report
    sites = ["scp", "solar-station"] if args.site == "both" else [args.site]
    kinds = args.faults.split(",") if args.faults else None
    with database(args.store) as url:
        report = asyncio.run(Soak(days=args.days, seed=args.seed, sites=sites, store=args.store, speed=args.speed,
                                  poll=args.poll, kinds=kinds, plant_defect=args.plant, db_url=url,
                                  wall_limit=args.wall_limit, devices=args.devices.split(",") if args.devices else None,
                                  write_budget=args.write_budget, keep=args.keep).run())
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(table(report))
    if report["data_dirs"]:
        print("data kept in:", *report["data_dirs"])
    return 1 if report["violations"]["total"] else 0


class database:
    """A MariaDB or PostgreSQL server for the run (the test suite's own, tests/store/conftest.py), or SQLite (None)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.server: Any = None

    def __enter__(self) -> str | None:
        if self.kind == "sqlite":
            return None
        from store_common import load_servers

        servers = load_servers()  # type: ignore[no-untyped-call]
        if self.kind == "mariadb":
            self.server = servers.MariaDB(Path(tempfile.mkdtemp(prefix="solarctl-soak-mariadb-")))  # started by its constructor
        else:
            self.server = servers.Postgres()  # started by its constructor
        return str(self.server.new_database())

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            self.server.stop()
            if hasattr(self.server, "remove"):  # PostgreSQL's data dir is directly under /tmp
                self.server.remove()


if __name__ == "__main__":
    raise SystemExit(main())
