"""Control strategies: plugins that read the state hub and propose named setting changes.

They never touch a device directly: every change goes through the SafeWriter.
"""

from __future__ import annotations

import importlib

STRATEGIES: dict[str, str] = {
    "soc_band": "solarctl.control.strategies.soc_band:SocBandStrategy",
}


def strategy_class(name: str):
    module, cls = STRATEGIES[name].split(":")
    return getattr(importlib.import_module(module), cls)
