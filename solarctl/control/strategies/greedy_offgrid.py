"""The Solar-Station battery monitor (batmon, newer revision) as a pure step: greedy off-grid switching.

Some inverters (the MUST PV1800) nearly stop using PV once the battery is full while on the grid. So:
off-grid when the lowest cell is at `start` and the chargers deliver at least max(floor, share x load),
or the lowest cell is at `full`; back on-grid when it falls to `low`. A switch needs `count` agreeing
evaluations in a row and fires once, when the counter reaches its limit (`count_step`, the old rules).
The counter is the strategy's state: the runner keeps it across restarts. With `on_grid_at_stop` (the
default) the on-grid settings are its exit settings: proposed as restores when it stops, and when battery data
has been lost for `battery_lost_after` seconds (nobody would switch back on-grid at night).

"Off-grid" is the inverter's first capability of control/levers.py OFF_GRID_LEVERS: on a PV1800 its
grid_connection (20105 = off-grid); on a Conext XW grid support enabled: PV and battery carry the load while the
grid stays connected as the fallback (the XW has no Modbus setting that opens its AC input, and its own grid
support voltage / LBCO still protect the battery); see README.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from solarctl.alerts.model import Condition
from solarctl.control.config import GreedyOffgridStrategyConfig
from solarctl.control.levers import grid_modes
from solarctl.control.strategies.base import DataWatch, Decision, Proposal, Strategy, proposals
from solarctl.control.strategies.view import View
from solarctl.control.strategies.soc_band import SOC_METRICS
from solarctl.devices.registry import capabilities, describe, role_sources

INITIAL_COUNTER = 1  # batmon's default when /tmp/on_grid.cntr is missing
OFF_GRID, ON_GRID = "off-grid", "on-grid"



def count_step(counter: int, limit: int, off_grid: bool, discharged: bool, charged: bool) -> tuple[int, str | None]:
    """One batmon run over the counter: (new counter, the mode to switch to or None).

    Towards on-grid the counter climbs to +limit, towards off-grid it falls to -limit; when a run does not
    agree it steps back towards 0. Both halves run every time against the same previous value, and a
    switch fires only on the run that brings the counter to its limit."""
    prev = counter
    if off_grid and discharged:
        counter = min(limit, counter + 1)
    elif counter > 0:
        counter -= 1
    switch = ON_GRID if prev < counter == limit else None
    if not off_grid and charged:
        counter = max(-limit, counter - 1)
    elif counter < 0:
        counter += 1
    if prev > counter == -limit:
        switch = OFF_GRID
    return counter, switch


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class GreedyOffgridStrategy(Strategy):
    def __init__(self, config: GreedyOffgridStrategyConfig, drivers: Mapping[str, str] | None = None) -> None:
        super().__init__(config, drivers)
        self.counter = INITIAL_COUNTER
        self.mode: str | None = None  # the last mode switched to, when the inverter's own setting is unknown
        self.watch = DataWatch()
        config.check_drivers(self.drivers)  # the config check did it already; a strategy built by hand gets it too
        caps = capabilities(self.drivers.get(config.inverter))
        off, on = grid_modes(caps) or ({}, {})
        self.settings = {OFF_GRID: dict(config.off_grid or off), ON_GRID: dict(config.on_grid or on)}
        if config.grid_charge_current_a is not None and caps.grid_charge_current is not None:
            self.settings[ON_GRID] |= caps.grid_charge_current.settings(config.grid_charge_current_a)
        self.batteries = list(config.batteries) or self._battery_devices()
        self.chargers = ([(dev, metric) for dev, metric in (c.split(".", 1) for c in config.chargers)]
                         or role_sources("pv_power", self.drivers))
        self.loads = role_sources("load_power", self.drivers)
        # A BMS says `soc`, the ComBox `battery_soc` (as soc_band reads them).
        self.metrics = ("cell_voltage_min",) if config.measure == "cell_voltage" else SOC_METRICS

    def _battery_devices(self) -> list[str]:
        """Every device reporting a lowest cell voltage (a BMS), or for the SoC variant a state of charge."""
        if self.config.measure == "soc":
            return sorted({dev for dev, _ in role_sources("battery_soc", self.drivers)})
        return sorted(dev for dev, driver in self.drivers.items()
                      if (d := describe(driver)) is not None and "cell_voltage_min" in d.metrics.metrics)

    def state(self) -> Any:
        return {"counter": self.counter, "mode": self.mode}

    def load_state(self, state: Any) -> None:
        if isinstance(state, dict) and isinstance(state.get("counter"), int):
            self.counter = max(-self.config.count, min(self.config.count, state["counter"]))
            self.mode = state.get("mode") if state.get("mode") in (OFF_GRID, ON_GRID) else None

    def stop_proposals(self) -> list[Proposal]:
        if not self.config.on_grid_at_stop:
            return []
        self.counter, self.mode = INITIAL_COUNTER, ON_GRID  # the switch is undone: start counting afresh
        return proposals(self.config.inverter, self.settings[ON_GRID], "stop")

    def lowest(self, view: View) -> float | None:
        """The lowest cell voltage (or SoC) over the batteries; None unless every one is fresh."""
        found = []
        for dev in self.batteries:
            if not view.fresh(dev, self.config.max_data_age):
                return None
            value = next((v for v in map(_number, (view.value(dev, m) for m in self.metrics)) if v is not None), None)
            if value is None:
                return None
            found.append(value)
        return min(found, default=None)

    def total(self, view: View, pairs: Iterable[tuple[str, str]]) -> float:
        return sum(_number(view.value(dev, metric)) or 0.0 for dev, metric in pairs if view.fresh(dev, self.config.max_data_age))

    def current_mode(self, view: View) -> str | None:
        """The inverter's mode as last polled; else the one this strategy last switched to."""
        for mode, settings in self.settings.items():
            setting, value = next(iter(settings.items()))
            if view.setting(self.config.inverter, setting) == value:
                return mode
        return self.mode

    def decide(self, view: View, now: float) -> list[Decision]:
        c = self.config
        lowest = self.lowest(view)
        lost_for = max((self.watch.lost_for(view, dev, c.max_data_age, now) for dev in self.batteries), default=0.0)
        # A pack not read yet since the start is not lost until its first poll could have come (View.waiting).
        data: list[Decision] = [Condition("battery_data_lost", dev, not view.fresh(dev, c.max_data_age) and not view.waiting(dev), "warning",
                          f"no fresh data from {dev} for greedy_offgrid: switching paused")
                for dev in self.batteries]
        if c.on_grid_at_stop and lost_for > c.battery_lost_after:  # nobody watches the battery: back on the grid
            self.mode = ON_GRID
            return [*proposals(c.inverter, self.settings[ON_GRID], f"battery data lost for {lost_for:.0f} s", restore=True), *data]
        mode = self.current_mode(view)
        if lowest is None or mode is None:
            return data  # the old batmon exited on stale data: the counter waits too
        charge_w, load_w = self.total(view, self.chargers), self.total(view, self.loads)
        needed_w = max(c.charge_floor_w, c.load_share * load_w)
        charged = (lowest >= c.start and charge_w >= needed_w) or lowest >= c.full
        self.counter, switch = count_step(self.counter, c.count, mode == OFF_GRID, lowest <= c.low, charged)
        if switch is None and mode == OFF_GRID and self.counter == c.count:
            switch = ON_GRID  # it fired, but the inverter is still off-grid (the write failed): the safe way, again
        if switch is None:
            return data
        self.mode = switch
        unit = "V" if c.measure == "cell_voltage" else "%"
        why = ("battery near discharge" if switch == ON_GRID else "battery precharged")
        reason = (f"{why} (lowest {lowest:g} {unit}, charge {charge_w:.0f} W, needed {needed_w:.0f} W, "
                  f"load {load_w:.0f} W): switching {switch}")
        return [*proposals(c.inverter, self.settings[switch], reason), *data]
