"""Control strategies: pure steps from a view of the latest samples to proposed setting changes.

They never touch a device: the daemon's runner carries proposals out through the SafeWriter, the
offline runner straight on a plant model.
"""

from __future__ import annotations

import importlib

from solarctl.control.strategies.base import Strategy

STRATEGIES: dict[str, str] = {
    "soc_band": "solarctl.control.strategies.soc_band:SocBandStrategy",
    "forecast": "solarctl.control.strategies.forecast:ForecastStrategy",
}


def strategy_class(name: str):
    module, cls = STRATEGIES[name].split(":")
    return getattr(importlib.import_module(module), cls)


def make_strategies(configs) -> list[Strategy]:
    """The enabled `[[strategy]]` tables as strategies."""
    return [strategy_class(c.name)(c) for c in configs if c.enabled]
