"""Control strategies: pure steps from a view of the latest samples to proposed setting changes.

They never touch a device: the daemon's runner carries proposals out through the SafeWriter, the
offline runner straight on a plant model.
"""

from __future__ import annotations

import importlib
from typing import Any, Iterable

from solarctl.control.strategies.base import Strategy

STRATEGIES: dict[str, str] = {
    "soc_band": "solarctl.control.strategies.soc_band:SocBandStrategy",
    "greedy_offgrid": "solarctl.control.strategies.greedy_offgrid:GreedyOffgridStrategy",
    "forecast": "solarctl.control.strategies.forecast:ForecastStrategy",
    "battery_guard": "solarctl.control.strategies.battery_guard:BatteryGuard",
}


def strategy_class(name: str) -> type[Strategy]:
    module, cls = STRATEGIES[name].split(":")
    found: type[Strategy] = getattr(importlib.import_module(module), cls)
    return found


def make_strategies(configs: Iterable[Any], devices: Iterable[Any] = ()) -> list[Strategy]:
    """The enabled `[[strategy]]` tables as strategies; `devices` the `[[device]]` tables they may look at."""
    drivers = {d.name: d.driver for d in devices if d.enabled}
    return [strategy_class(c.name)(c, drivers) for c in configs if c.enabled]
