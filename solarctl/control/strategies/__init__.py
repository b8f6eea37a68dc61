"""Control strategies: pure steps from a view of the latest samples to proposed setting changes.

They never touch a device: the daemon's runner carries proposals out through the SafeWriter, the
offline runner straight on a plant model.
"""

from __future__ import annotations

import importlib
from typing import Mapping

from solarctl.control.strategies.base import Strategy

STRATEGIES: dict[str, str] = {
    "soc_band": "solarctl.control.strategies.soc_band:SocBandStrategy",
    "battery_guard": "solarctl.control.strategies.battery_guard:BatteryGuard",
}


def strategy_class(name: str):
    module, cls = STRATEGIES[name].split(":")
    return getattr(importlib.import_module(module), cls)


def make_strategies(configs, drivers: Mapping[str, str] | None = None) -> list[Strategy]:
    """The enabled `[[strategy]]` tables as strategies; `drivers` (device name -> driver) for those that find
    their devices by catalogue role."""
    return [strategy_class(c.name)(c, drivers) for c in configs if c.enabled]
