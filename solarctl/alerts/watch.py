"""The daemon's own checks, run as a service every `health_interval`: poll health (device lost / back), the
supervised tasks (`task_failed` while one is down), the outputs (`sink_down` once one has not delivered for
`sink_down_s`), and the scheduled status report."""

from __future__ import annotations

from typing import Callable, Mapping

from solarctl.alerts.config import AlertsConfig
from solarctl.alerts.health import SINK_UP, device_lost, sink_down
from solarctl.alerts.manager import AlertManager
from solarctl.alerts.model import Condition
from solarctl.alerts.report import REPORTED, StatusReport
from solarctl.clock import Clock
from solarctl.devices import registry
from solarctl.hub import StateHub
from solarctl.sample import Value


class AlertWatch:
    def __init__(self, config: AlertsConfig, manager: AlertManager, hub: StateHub, clock: Clock,
                 drivers: Mapping[str, str], *, tasks: Callable[[], list[Condition]] = list,
                 sinks: Callable[[], Mapping[str, Mapping]] = dict) -> None:
        self.config = config
        self.tasks = tasks  # the supervisor's task_failed Conditions
        self.sinks = sinks  # sink name -> its status dict
        self._sink_bad_since: dict[str, float] = {}
        self.manager = manager
        self.hub = hub
        self.clock = clock
        self.drivers = dict(drivers)  # the polled devices: name -> driver
        self.started_at = clock.time()
        self.report = StatusReport(config.report) if config.report is not None else None
        self._role_metrics = {role: {name: m.name for name, driver in self.drivers.items()
                                     if (d := registry.describe(driver)) for m in d.metrics.with_role(role)[:1]}
                              for role in REPORTED}

    async def run(self) -> None:
        # A device not polled yet is lost only once it has had `device_lost_s` since polling began (the daemon
        # starts this with its pollers), not since the daemon was made (a slow start is no outage).
        self.started_at = self.clock.time()
        while True:
            self.step()
            await self.clock.sleep(self.config.health_interval)

    def step(self) -> None:
        now = self.clock.time()
        last_good = {name: (state.last_sample_at if (state := self.hub.devices.get(name)) else None) for name in self.drivers}
        self.manager.observe_all(device_lost(last_good, now, self.started_at, self.config.device_lost_s))
        self.manager.observe_all(self.tasks())
        self.manager.observe_all(self._sink_conditions(now))
        if self.report is not None and self.report.due(now):
            self.manager.notify(StatusReport.condition(self.values_by_role()))

    def _sink_conditions(self, now: float) -> list[Condition]:
        found = []
        for name, status in self.sinks().items():
            if status.get("state") in SINK_UP:
                self._sink_bad_since.pop(name, None)
                bad_for = None
            else:
                bad_for = now - self._sink_bad_since.setdefault(name, now)
            found.append(sink_down(name, status, bad_for, self.config.sink_down_s))
        return found

    def values_by_role(self) -> dict[str, dict[str, Value]]:
        found: dict[str, dict[str, Value]] = {}
        for role, metrics in self._role_metrics.items():
            for device, metric in metrics.items():
                state = self.hub.devices.get(device)
                if state is not None and state.values.get(metric) is not None:
                    found.setdefault(role, {})[device] = state.values[metric]
        return found
