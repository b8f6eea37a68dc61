"""The long-running process: pollers, strategies and sinks, each supervised on its own.

Every long-running task (each poller, strategy, service, and the sinks' own tasks) runs under one
`Supervisor`: a task that fails is logged once with its cause, shown `down` in `health()` (as `task:NAME`,
and in its sink's status), raised as a `task_failed` alert and restarted with backoff; it never stops polling.
Every sample goes to each sink attached to the hub: the store (SQLite under the data dir
unless [storage] url says otherwise), which spools to disk while its database is away, and InfluxDB when
[storage.influx] is set; each sink fails on its own (solarctl.publish). On the way out, strategies get to put their safe defaults back before the links close;
those that cannot be written are kept (pending_restores.json) and written first at the next start.
Front ends get `Daemon.facade` (`DaemonFacade`, the `solarctl.facade.Facade` door), never the daemon; `compose.py`
`build_daemon` is the one place that assembles a daemon with its front ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from solarctl.alerts.health import write_outcome
from solarctl.alerts.manager import AlertManager
from solarctl.alerts.model import AlertEvent
from solarctl.alerts.watch import AlertWatch
from solarctl.checks.plausibility import Plausibility
from solarctl.checks.watch import PlausibilityWatch
from solarctl.clock import Clock, SystemClock
from solarctl.config import Config
from solarctl.control.command_file import CommandFile
from solarctl.control.ledger import AuditLedger
from solarctl.data_paths import ledger_path
from solarctl.control.pending_restores import PendingRestores
from solarctl.control.safe_write import SafeWriter, WriteOutcome
from solarctl.control.runner import StrategyRunner
from solarctl.control.state_file import StateFile
from solarctl.control.strategies import make_strategies
from solarctl.hub import StateHub, Subscription
from solarctl.installation import Installation
from solarctl.publish.sink import Sink
from solarctl.publish.store_sink import StoreSink
from solarctl.read_model import DeviceStatus, ReadModel
from solarctl.registers import Register
from solarctl.sample import Value
from solarctl.store.store import SampleStore
from solarctl.supervisor import Supervisor

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

log = logging.getLogger("solarctl.daemon")
AVERAGED_POLLS = 5  # the plausibility checks across devices average over this many polls of the slowest one


class Daemon:
    def __init__(self, config: Config, clock: Clock | None = None, hub: StateHub | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.stopping = False  # in its shutdown (run's finally): see cli/run_cmd.py run_until_signalled
        self.site = Installation(config, self.clock, hub)
        self.hub = self.site.hub
        # Each polled device's status (fresh, stale, failed, never read): the one derivation every front end shows.
        self.read_model = ReadModel.of(self.hub, [d for d in config.device if d.enabled], self.clock)
        drivers = {d.name: d.driver for d in config.device}
        self.store = SampleStore(config, drivers=drivers, clock=self.clock)
        # Alert events go to the hub, so every sink (the store first) gets them.
        self.alerts = AlertManager(config.alerts, self.clock, self.hub.publish)
        # Runs every long-running task: a failure is logged, shown in health(), alerted, and the task restarted.
        self.supervisor = Supervisor(self.clock, report=self.alerts.observe_all)
        ledger = AuditLedger(ledger_path(config.general.data_dir), on_record=self.store.audit_changed)
        self.writer = SafeWriter(self.site, ledger, self.clock, daily_budget=config.control.daily_write_budget,
                                 dry_run=config.control.dry_run, budget_file=config.control.budget_file,
                                 on_outcome=lambda o, source: self.alerts.observe_all(
                                     write_outcome(o.device, o.setting, o.outcome, o.reason, source)))
        # Restores that did not land before the last exit: tried first at start, then until they land.
        self.pending = PendingRestores(StateFile(config.general.data_dir / "pending_restores.json"), self.writer, self.clock)
        self.strategies = [StrategyRunner(s, self.read_model, self.site.devices, self.writer, self.clock,
                                          StateFile(config.general.data_dir / "strategies" / f"{s.name}.json"), self.pending,
                                          conditions=self.alerts.observe_all)
                           for s in make_strategies(config.strategy, config.device)]
        # Consumers of every sample and poll error, attached to the hub while running; others append theirs.
        self.sinks: list[Sink] = [StoreSink(self.store)]
        if config.storage.influx:
            from solarctl.publish.influx import influx_sink  # brings httpx: only for a config with [storage.influx]

            self.sinks.append(influx_sink(config.storage.influx, drivers, self.clock))
        if config.mqtt:
            from solarctl.publish.mqtt import daemon_mqtt_sink  # brings aiomqtt: only for a config with [mqtt]

            self.sinks.append(daemon_mqtt_sink(config, self.site.devices, self.writer, self.clock, health=self.states))
        if config.webhook:
            from solarctl.publish.webhook import webhook_sink  # brings httpx: only for a config with [[webhook]]

            self.sinks.extend(webhook_sink(w, self.clock) for w in config.webhook)
        # Plausibility across devices on each new sample (solarctl/checks/): logged, and alerts through the manager.
        # Devices are read at different moments: checks across them also compare averages over a few polls.
        window = AVERAGED_POLLS * max((d.poll_interval for d in config.device if d.enabled), default=0.0)
        self.plausibility = PlausibilityWatch(Plausibility({d.name: d.driver for d in config.device if d.enabled},
                                                           window_s=window),
                                              self.hub, self.read_model, report=self.alerts.observe_all)
        # Extra long-running parts (storage writer, publishers …): name -> coroutine factory; build_daemon adds
        # the front ends' (control API, web page, Telegram) before it runs.
        self.services: dict[str, Callable[[], Awaitable[None]]] = {}
        self.services["pending restores"] = self.pending.run
        self.command_file = None if config.command_file is None else CommandFile(config.command_file, self.writer, self.clock)
        if self.command_file is not None:
            self.services["command file"] = self.command_file.run
        for runner in self.strategies:  # e.g. the forecast strategy's price service
            self.services.update(runner.strategy.feed_services(self.clock, config.general.data_dir))
        polled = {d.name: d.driver for d in config.device if d.enabled}
        self.services["plausibility checks"] = self.plausibility.run
        self.services["alert watch"] = AlertWatch(config.alerts, self.alerts, self.hub, self.clock, polled,
                                                  tasks=self.supervisor.conditions, sinks=self.sink_health).run
        self.facade = DaemonFacade(self)

    def health(self) -> dict[str, dict[str, Any]]:
        """Health by name, for `solarctl read --json`: each device's requests, errors and latency, each
        sink's state as `sink:NAME`, each supervised task's as `task:NAME` (no device name has a colon,
        so they never collide), and the command file's as `service:command file`."""
        devices = {name: device.health.as_dict() for name, device in self.site.devices.items()}
        services = {} if self.command_file is None else {"service:command file": self.command_file.status()}
        return devices | {f"sink:{name}": status for name, status in self.sink_health().items()} | \
            {f"task:{name}": status for name, status in self.supervisor.health().items()} | services

    def states(self) -> dict[str, str]:
        """Each sink's and task's state in a word (`ok`, `down` …): what MQTT publishes as PREFIX/health."""
        return {f"sink:{name}": status["state"] for name, status in self.sink_health().items()} | \
            {f"task:{name}": status["state"] for name, status in self.supervisor.health().items()}

    async def run(self) -> None:
        """Run until cancelled."""
        log.info("polling %d device(s) on %d link(s); %d strategy(ies)", len(self.site.devices),
                 len(self.site.links), len(self.strategies))
        await self._attach_sinks()
        await self._reload_alerts()
        try:
            await self._guard("pending restores", self.pending.apply)  # before any strategy decides anything
            for strategy in self.strategies:
                await self._guard(f"strategy {strategy.config.name} start", strategy.start)
            async with asyncio.TaskGroup() as tasks:
                for poller in self.site.pollers:
                    tasks.create_task(self.supervisor.run(f"poller {'+'.join(d.name for d in poller.devices)}", poller.run))
                for strategy in self.strategies:
                    tasks.create_task(self.supervisor.run(f"strategy {strategy.config.name}", strategy.run))
                for name, factory in self.services.items():
                    tasks.create_task(self.supervisor.run(name, factory))
        finally:
            self.stopping = True  # from here on a stop request must not interrupt the shutdown
            await asyncio.shield(self._shutdown())

    async def _shutdown(self) -> None:
        for strategy in self.strategies:
            await self._guard(f"strategy {strategy.config.name} stop", strategy.stop)
        self.alerts.publish_open()
        for sink in reversed(self.sinks):
            self.hub.detach(sink)
            await self._guard(f"sink {sink.name} stop", sink.stop)
        await self.site.close()

    async def _attach_sinks(self) -> None:
        for sink in self.sinks:
            await sink.start(self.supervisor)  # the store's start fails loudly (spool dir not writable …): nothing would be kept
            self.hub.attach(sink)

    async def _reload_alerts(self) -> None:
        """Take back the alerts a previous run left open, so an episode that goes on stays one event."""
        try:
            async with asyncio.timeout(10):  # polling waits for this: a database that does not answer must not hold it
                open_, next_id = await self.store.open_alerts()  # after the schema check: a new database has no table yet
        except Exception as error:  # noqa: BLE001 - the database is away (or too slow): alerts start afresh
            log.warning("alerts: cannot reload open alerts from %s (%s); starting with none", self.store.where, error)
            # Ids must not repeat ones the database already has (a row per id): start above any sequence of ours.
            self.alerts.next_id = int(self.clock.time())
            return
        self.alerts.restore(open_, next_id)
        if open_:
            log.info("alerts: %d open alert(s) reloaded", len(open_))

    def sink_health(self) -> dict[str, dict[str, Any]]:
        """Sink name -> its status as a JSON-able dict (state, queued, dropped, delivered, failures, last_error …).

        `dropped` includes events the hub could not hand over (a submit that raised)."""
        lost_at_submit = self.hub.drops()["sinks"]
        health = {sink.name: sink.status().as_dict() for sink in self.sinks}
        for name, status in health.items():
            status["dropped"] += lost_at_submit.get(name, 0)
        return health

    async def _guard(self, name: str, job: Callable[[], Awaitable[None]]) -> None:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed", name)


class DaemonFacade:
    """The daemon as its front ends see it (`solarctl.facade.Facade`): statuses, settings, writes, alerts, audit,
    plans and health, and nothing else of its parts."""

    def __init__(self, daemon: Daemon) -> None:
        self._daemon = daemon

    @property
    def config(self) -> Config:
        return self._daemon.config

    @property
    def clock(self) -> Clock:
        return self._daemon.clock

    def devices(self) -> list[str]:
        return list(self._daemon.site.devices)

    def status(self, device: str) -> DeviceStatus:
        return self._daemon.read_model.status(device)

    def settings(self, device: str) -> list[Register]:
        found = self._daemon.site.devices.get(device)
        return [] if found is None else list(found.settings())

    def setting(self, device: str, setting: str) -> Register | None:
        found = self._daemon.site.devices.get(device)
        return None if found is None else found.setting(setting)

    def subscribe(self, maxsize: int, name: str) -> Subscription:
        return self._daemon.hub.subscribe(maxsize=maxsize, name=name)

    def database(self) -> Engine:
        return self._daemon.store.engine

    async def write(self, device: str, setting: str, value: Value, *, source: str,
                    dry_run: bool | None = None) -> WriteOutcome:
        return await self._daemon.writer.write(device, setting, value, source=source, dry_run=dry_run)

    def refusal(self, device: str, setting: str, value: Value) -> str | None:
        return self._daemon.writer.refusal(device, setting, value)

    def refuse(self, device: str, setting: str, value: Value, reason: str, *, source: str) -> WriteOutcome:
        return self._daemon.writer.refuse(device, setting, value, reason, source=source)

    def alerts(self, active_only: bool = False) -> list[AlertEvent]:
        return self._daemon.alerts.events(active_only=active_only)

    def ack(self, alert_id: int) -> AlertEvent | None:
        return self._daemon.alerts.acknowledge(alert_id)

    def audit(self) -> Sequence[dict[str, Any]]:
        return self._daemon.writer.ledger.entries

    def plan(self) -> dict[str, Any]:
        planners: list[Any] = [runner.strategy for runner in self._daemon.strategies if hasattr(runner.strategy, "plan")]
        return {"zone": self.config.plant.timezone, "now": self.clock.time(),
                "plans": [{"strategy": s.name, "plan": None if s.plan is None else s.plan.as_dict(),
                           "missing": s.why_not if s.plan is None else None} for s in planners]}

    def strategy_names(self) -> list[str]:
        return [runner.config.name for runner in self._daemon.strategies]

    def health(self) -> dict[str, dict[str, Any]]:
        return self._daemon.health()

    def link_health(self, device: str) -> dict[str, Any]:
        return self._daemon.site.devices[device].health.as_dict()

    def sink_health(self) -> dict[str, dict[str, Any]]:
        return self._daemon.sink_health()

    def task_health(self) -> dict[str, dict[str, Any]]:
        return self._daemon.supervisor.health()
