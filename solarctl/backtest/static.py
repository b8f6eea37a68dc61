"""The `static` baseline: the best single fixed configuration of the site's inverter, found by trying each of
its modes once over the backtest's span, as a user setting it up once would (and then never touching it).

Candidates per inverter driver, as plant settings (what the simulated device's registers amount to):
- Conext XW: grid support on/off x load shave on/off (sell stays as the site has it).
- MUST PV1800: energy-use mode SBU / SUB / UTI (sim/must_pv1800.py ENERGY_USE) x grid charging on/off.
A site whose inverter has no candidates here has no `static` row.
"""

from __future__ import annotations

from solarctl.config import Config
from solarctl.devices import registry
from solarctl.sim.must_pv1800 import ENERGY_USE

CANDIDATES: dict[str, dict[str, dict]] = {
    "conext_xw": {
        f"grid support {'on' if gs else 'off'}, load shave {'on' if ls else 'off'}": {"grid_support": gs, "load_shave": ls}
        for gs in (False, True) for ls in (False, True)},
    "must_pv1800": {
        f"{mode}, grid charging {'on' if gc else 'off'}": {**ENERGY_USE[mode], "grid_charge": gc}
        for mode in ("SBU", "SUB", "UTI") for gc in (True, False)},
}


def static_candidates(config: Config) -> dict[str, dict]:
    """label -> plant settings for the site's inverter (the first enabled device that reports grid power)."""
    for device in config.device:
        if device.enabled and registry.DRIVERS[device.driver].metrics.with_role("grid_power"):
            return CANDIDATES.get(device.driver, {})
    return {}
