"""One strategy (or none) over a scenario: control/offline.py's OfflineRun on a fresh plant, one record per step.

The strategies are the daemon's own classes; OfflineRun carries their proposals into the plant and
keeps the daily write budget.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from solarctl.backtest.scenario import Scenario
from solarctl.control.offline import Applied, OfflineRun
from solarctl.control.strategies.base import Strategy
from solarctl.plant.battery import Battery

# Energy flows recorded per step (the plant's ledger, Wh), in this order.
FLOWS = ("pv", "pv_curtailed", "load", "load_unserved", "grid_import", "grid_export",
         "battery_charge", "battery_discharge", "losses")


@dataclass
class Trace:
    """Per step: Wh of each flow, SoC and stored energy at the step's end, the inverter's mode."""

    name: str
    start: float
    step_s: float
    wh: dict[str, list[float]] = field(default_factory=lambda: {f: [] for f in FLOWS})
    soc_pct: list[float] = field(default_factory=list)
    stored_wh: list[float] = field(default_factory=list)
    mode: list[str] = field(default_factory=list)
    stored_wh_start: float = 0.0
    battery_full_wh: float = 0.0  # stored energy at 100 % SoC
    applied: list[Applied] = field(default_factory=list)

    @property
    def steps(self) -> int:
        return len(self.soc_pct)


async def _replay(scenario: Scenario, name: str, strategies: list[Strategy],
                  progress: Callable[[int], None]) -> Trace:
    plant = scenario.plant()
    full = Battery(scenario.config.plant.battery, scenario.config.plant.seed)
    full.set_soc(100.0)
    trace = Trace(name, scenario.start, scenario.step_s, stored_wh_start=plant.battery.stored_wh,
                  battery_full_wh=full.stored_wh)
    ledger = plant.energy
    before = [ledger.total_wh(f) for f in FLOWS]
    columns = [trace.wh[f] for f in FLOWS]
    async with OfflineRun(scenario.config, plant, strategies, plant_step_s=scenario.step_s) as run:
        for i in range(scenario.steps):
            await run.run_for(scenario.step_s)
            now = [ledger.total_wh(f) for f in FLOWS]
            for column, a, b in zip(columns, before, now):
                column.append(b - a)
            before = now
            trace.soc_pct.append(plant.battery.soc_pct)
            trace.stored_wh.append(plant.battery.stored_wh)
            trace.mode.append(plant.mode.value)
            progress(i + 1)
    trace.applied = run.applied
    return trace


def replay(scenario: Scenario, name: str, strategies: list[Strategy],
           progress: Callable[[int], None] = lambda done: None) -> Trace:
    """Run `strategies` (none for the `none` baseline) over the scenario."""
    return asyncio.run(_replay(scenario, name, strategies, progress))
