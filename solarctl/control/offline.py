"""Strategies against a plant model on a virtual clock: no daemon, no sockets, no safe-write layer (unless a
`writer` is given: then every write goes through that SafeWriter, to simulators serving the same plant).

The same strategy code the daemon runs: every `interval` of plant time it gets a view of the plant's
devices (control/plant_devices.py) and its proposals go straight into the plant's settings. The plant
moves on every `plant_step_s` and before each look. Events run in time order (at the same time, in the
order they were scheduled), called directly rather than as asyncio tasks: a year's backtest is ~100 000
looks, and an event loop turn per wake cost more than the plant itself. Start
proposals go in first, stop proposals when the run closes. Every proposal carried out (or refused)
is recorded in `applied`, which is what a backtest reports. The daily write budget holds here too, with
the SafeWriter's own `WriteBudget` (in memory): a change past the budget of its register on that UTC day
is refused, and a proposal that changes nothing is no write.
The conditions strategies find go to an alert manager on the run's clock, whose events (every change of
state) are in `alerts`.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from solarctl.alerts.manager import AlertManager
from solarctl.alerts.model import AlertEvent
from solarctl.config import Config
from solarctl.control.write_budget import WriteBudget, device_identity
from solarctl.control.plant_devices import PlantDevices
from solarctl.control.strategies.base import Proposal, Strategy, in_place, split
from solarctl.plant import Plant

if TYPE_CHECKING:
    from solarctl.control.safe_write import SafeWriter

log = logging.getLogger("solarctl.offline")


@dataclass(frozen=True)
class Applied:
    time: float  # plant time
    strategy: str
    proposal: Proposal
    refused: str = ""  # why the setting did not take; empty if it did
    unchanged: bool = False  # it was in place already: nothing written, nothing counted


class PlantClock:
    """The run's time (plant time), as the alert manager asks for it; only the run moves it."""

    def __init__(self, start: float) -> None:
        self.now = start

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        raise RuntimeError("an offline run is driven by run_for; nothing in it may sleep")


class OfflineRun:
    """`async with OfflineRun(config, plant, strategies) as run: await run.run_for(86400)`."""

    def __init__(self, config: Config, plant: Plant, strategies: list[Strategy], *, plant_step_s: float = 5.0,
                 writer: SafeWriter | None = None) -> None:
        if plant_step_s <= 0:
            raise ValueError("plant_step_s must be positive")
        self.plant = plant
        self.strategies = strategies
        self.devices = PlantDevices(config, plant)
        self.clock = PlantClock(plant.time)
        self.plant_step_s = plant_step_s
        self.budget = WriteBudget(None, config.control.daily_write_budget)
        self.writer = writer
        self.applied: list[Applied] = []
        self.alerts: list[AlertEvent] = []
        self.alert_manager = AlertManager(config.alerts, self.clock, self.alerts.append)
        self._due: list[tuple[float, int, Strategy | None]] = []  # (when, order, strategy; None: the plant's step)
        self._order = itertools.count()

    async def __aenter__(self) -> "OfflineRun":
        self._at(self.clock.now + self.plant_step_s, None)
        for strategy in self.strategies:
            await self._apply(strategy, strategy.start_proposals())
            self._at(self.clock.now, strategy)  # its first look at the start
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for strategy in self.strategies:
            await self._apply(strategy, [p._replace(restore=True) for p in strategy.stop_proposals()])  # as the daemon

    async def run_for(self, seconds: float) -> None:
        """Advance plant and strategies by `seconds` of plant time (a strategy that raises stops the run)."""
        target = self.clock.now + seconds
        while self._due and self._due[0][0] <= target:
            when, _, strategy = heapq.heappop(self._due)
            self.clock.now = max(self.clock.now, when)
            if strategy is None:
                self._catch_up()
                self._at(when + self.plant_step_s, None)
            else:
                await self._look(strategy)
                self._at(self.clock.now + strategy.interval, strategy)
        self.clock.now = target

    def _at(self, when: float, strategy: Strategy | None) -> None:
        heapq.heappush(self._due, (when, next(self._order), strategy))

    def _catch_up(self) -> None:
        if self.clock.now > self.plant.time:
            self.plant.step(self.clock.now - self.plant.time)

    async def _look(self, strategy: Strategy) -> None:
        self._catch_up()  # the view shows the plant as it is now, not at its last step
        view = self.devices.view()
        found, conditions = split(strategy.decide(view, view.now))
        self.alert_manager.observe_all(conditions)
        await self._apply(strategy, [p for p in found if not in_place(view, p)])

    async def _apply(self, strategy: Strategy, proposals: list[Proposal]) -> None:
        for proposal in proposals:
            if in_place(self.devices.view(), proposal):
                self.applied.append(Applied(self.plant.time, strategy.name, proposal, unchanged=True))
                continue
            refused = await self._through_writer(strategy, proposal) if self.writer else self._write(strategy, proposal)
            if refused:
                log.warning("%s: %s.%s = %s refused: %s", strategy.name, proposal.device, proposal.setting,
                            proposal.value, refused)
            self.applied.append(Applied(self.plant.time, strategy.name, proposal, refused))

    async def _through_writer(self, strategy: Strategy, proposal: Proposal) -> str:
        """Carry a proposal out through the SafeWriter (validation, budget, read-back, ledger); '' if it took."""
        assert self.writer is not None
        outcome = await self.writer.write(proposal.device, proposal.setting, proposal.value,
                                          source=f"strategy:{strategy.name}", restore=proposal.restore)
        return "" if outcome.ok else outcome.reason

    def _write(self, strategy: Strategy, proposal: Proposal) -> str:
        """Put a proposal into the plant within its register's budget for today; '' if it took, else why not."""
        reg = self.devices.register(proposal.device, proposal.setting)
        attempt = None
        if reg is not None:  # (without one the plant refuses it with its own reason)
            identity = device_identity(self.devices.devices[proposal.device])
            attempt = self.budget.reserve(self.plant.time, identity, reg.address, f"strategy:{strategy.name}")
            if attempt is None:
                return (f"daily write budget used up ({self.budget.limit} writes today, UTC) for {proposal.setting}; "
                        "raise [control] daily_write_budget if this is intended")
        refused = self.devices.apply(proposal)
        if attempt is not None:
            self.budget.settle(self.plant.time, attempt, reached=not refused)  # a refused value gives its slot back
        return refused
