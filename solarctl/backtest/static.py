"""The `static` baseline: the best single fixed configuration of the site's inverter, found by trying each of
its modes once over the backtest's span, as a user setting it up once would (and then never touching it).

Candidates come from the inverter's capabilities (devices/capabilities.py), each position turned into plant
settings by sim/capability_plant.py: every output_priority mode as the driver lists them (else grid support off,
on), crossed with grid charging on, off and load shave off, on where the inverter has them (a Conext XW: grid
support x load shave; a MUST PV1800: SBU / SUB / UTI x grid charging). Of equal costs the first tried wins.
A site whose inverter has none of these has no `static` row.
"""

from __future__ import annotations

import itertools
from typing import Any

from solarctl.config import Config
from solarctl.devices import registry
from solarctl.devices.capabilities import Capabilities
from solarctl.sim.capability_plant import effect

Position = tuple[str, dict[str, Any]]  # (label, plant settings)


def _switch(name: str, label: str, order: tuple[bool, bool]) -> list[Position]:
    return [(f"{label} {'on' if on else 'off'}", effect(name, on)) for on in order]


def levers(caps: Capabilities) -> list[list[Position]]:
    """Each lever the baseline tries, as its positions in the order tried."""
    found: list[list[Position]] = []
    if caps.output_priority is not None:
        found.append([(", ".join(map(str, chosen.values())), effect("output_priority", mode))
                      for mode, chosen in caps.output_priority.modes.items()])
    elif caps.grid_support is not None:
        found.append(_switch("grid_support", "grid support", (False, True)))
    if caps.grid_charging is not None:
        found.append(_switch("grid_charging", "grid charging", (True, False)))
    if caps.load_shave is not None:
        found.append(_switch("load_shave", "load shave", (False, True)))
    return found


def static_candidates(config: Config) -> dict[str, dict[str, Any]]:
    """label -> plant settings for the site's inverter (the first enabled device that reports grid power)."""
    for device in config.device:
        if device.enabled and registry.DRIVERS[device.driver].metrics.with_role("grid_power"):
            tried = levers(registry.capabilities(device.driver))
            if not tried:
                return {}
            return {", ".join(label for label, _ in combo): {k: v for _, settings in combo for k, v in settings.items()}
                    for combo in itertools.product(*tried)}
    return {}
