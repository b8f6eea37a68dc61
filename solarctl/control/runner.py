"""A strategy in the daemon: every `interval`, a view of the hub -> `decide` -> proposals through the SafeWriter,
conditions to the alert manager.

Start proposals go out when it starts, stop proposals on the way out (the daemon calls `stop` on every
path). A proposal the view shows already in place is skipped without even a read request.
"""

from __future__ import annotations

import logging
from types import MappingProxyType
from typing import Callable, Iterable, Mapping

from solarctl.alerts.model import Condition
from solarctl.clock import Clock
from solarctl.control.safe_write import SafeWriter
from solarctl.control.strategies.base import Proposal, Strategy, in_place, split
from solarctl.control.strategies.view import Latest, SettingMetric, View, setting_metrics
from solarctl.devices.base import Device
from solarctl.hub import StateHub


def hub_view(hub: StateHub, now: float, setting_metric: SettingMetric) -> View:
    latest = {name: Latest(MappingProxyType(dict(state.values)), state.last_sample_at, state.error is not None)
              for name, state in hub.devices.items()}
    return View(now, latest, setting_metric)


class StrategyRunner:
    def __init__(self, strategy: Strategy, hub: StateHub, devices: Mapping[str, Device], writer: SafeWriter,
                 clock: Clock, conditions: Callable[[Iterable[Condition]], None] = lambda found: None) -> None:
        self.strategy = strategy
        self.conditions = conditions  # the daemon: its alert manager
        self.config = strategy.config  # the daemon names its tasks by config.name
        self.hub = hub
        self.writer = writer
        self.clock = clock
        self.source = f"strategy:{strategy.name}"
        self.log = logging.getLogger(f"solarctl.strategy.{strategy.name}")
        self._setting_metric = setting_metrics(devices)

    async def start(self) -> None:
        await self._apply(self.strategy.start_proposals())

    async def run(self) -> None:
        while True:
            await self.step()
            await self.clock.sleep(self.strategy.interval)

    async def step(self) -> None:
        view = hub_view(self.hub, self.clock.time(), self._setting_metric)
        wanted, found = split(self.strategy.decide(view, view.now))
        self.conditions(found)
        await self._apply([p for p in wanted if not in_place(view, p)])

    async def stop(self) -> None:
        await self._apply(self.strategy.stop_proposals())

    async def _apply(self, proposals: list[Proposal]) -> None:
        for proposal in proposals:
            outcome = await self.writer.write(proposal.device, proposal.setting, proposal.value, source=self.source)
            self.log.log(logging.INFO if outcome.ok else logging.WARNING, "%s: %s", proposal.reason, outcome.describe())
