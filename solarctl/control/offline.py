"""Strategies against a plant model on a virtual clock: no daemon, no sockets, no safe-write layer.

The same strategy code the daemon runs: every `interval` of plant time it gets a view of the plant's
devices (control/plant_devices.py) and its proposals go straight into the plant's settings. Start
proposals go in first, stop proposals when the run closes. Every proposal carried out (or refused)
is recorded in `applied`, which is what a backtest reports. The daily write budget holds here too, by
the SafeWriter's own rule: a change past the budget of its register on that UTC day is refused, and a
proposal that changes nothing is no write.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass

from solarctl.clock import VirtualClock
from solarctl.config import Config
from solarctl.control.ledger import utc_day
from solarctl.control.plant_devices import PlantDevices
from solarctl.control.safe_write import budget_refusal
from solarctl.control.strategies.base import Proposal, Strategy, in_place
from solarctl.plant import Plant, run_plant

log = logging.getLogger("solarctl.offline")


@dataclass(frozen=True)
class Applied:
    time: float  # plant time
    strategy: str
    proposal: Proposal
    refused: str = ""  # why the setting did not take; empty if it did
    unchanged: bool = False  # it was in place already: nothing written, nothing counted


class OfflineRun:
    """`async with OfflineRun(config, plant, strategies) as run: await run.run_for(86400)`."""

    def __init__(self, config: Config, plant: Plant, strategies: list[Strategy], *, plant_step_s: float = 5.0,
                 min_interval_s: float = 0.0) -> None:
        self.plant = plant
        self.strategies = strategies
        self.devices = PlantDevices(config, plant)
        self.clock = VirtualClock(start=plant.time)  # clock time is plant time
        self.plant_step_s = plant_step_s
        self.min_interval_s = min_interval_s  # a backtest's time step: no strategy decides more often
        self.daily_budget = config.control.daily_write_budget
        self.writes: Counter[tuple[str, str, int]] = Counter()  # (UTC day, device, register) -> writes
        self.applied: list[Applied] = []
        self._tasks: list[asyncio.Task] = []

    async def __aenter__(self) -> "OfflineRun":
        self._tasks = [asyncio.create_task(run_plant(self.plant, self.clock, self.plant_step_s)),
                       *(asyncio.create_task(self._run(s)) for s in self.strategies)]
        return self

    async def __aexit__(self, *exc_info) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for strategy in self.strategies:
            self._apply(strategy, strategy.stop_proposals())

    async def run_for(self, seconds: float) -> None:
        """Advance plant and strategies by `seconds` of plant time."""
        await self.clock.run_for(seconds)
        for task in self._tasks:
            if task.done():
                task.result()  # a strategy that raised stops the run with its error

    async def _run(self, strategy: Strategy) -> None:
        self._apply(strategy, strategy.start_proposals())
        while True:
            if self.clock.time() > self.plant.time:  # the view shows the plant as it is now, not at its last step
                self.plant.step(self.clock.time() - self.plant.time)
            view = self.devices.view()
            self._apply(strategy, [p for p in strategy.decide(view, view.now) if not in_place(view, p)])
            await self.clock.sleep(max(strategy.interval, self.min_interval_s))

    def _apply(self, strategy: Strategy, proposals: list[Proposal]) -> None:
        for proposal in proposals:
            if in_place(self.devices.view(), proposal):
                self.applied.append(Applied(self.plant.time, strategy.name, proposal, unchanged=True))
                continue
            refused = self._over_budget(proposal) or self.devices.apply(proposal)
            if refused:
                log.warning("%s: %s.%s = %s refused: %s", strategy.name, proposal.device, proposal.setting,
                            proposal.value, refused)
            else:
                self.writes[self._budget_key(proposal)] += 1
            self.applied.append(Applied(self.plant.time, strategy.name, proposal, refused))

    def _budget_key(self, proposal: Proposal) -> tuple[str, str, int]:
        reg = self.devices.register(proposal.device, proposal.setting)
        return utc_day(self.plant.time), proposal.device, -1 if reg is None else reg.address

    def _over_budget(self, proposal: Proposal) -> str:
        if self.devices.register(proposal.device, proposal.setting) is None:
            return ""  # the plant refuses it with its own reason
        return budget_refusal(self.writes[self._budget_key(proposal)], self.daily_budget, proposal.setting)
