"""What a device's capabilities (devices/capabilities.py) amount to in the plant model's settings (plant/settings.py).

A simulator whose device declares its capabilities needs no table of its own to move the plant: a write to a
capability's setting becomes plant settings here (`written`), and a read of it comes from the plant (`current`).
The backtest's `static` baseline sets the plant by capability the same way (`effect`).
"""

from __future__ import annotations

from typing import Any

from solarctl.devices.capabilities import Capabilities, Level, Modes, SettingValue, Switch
from solarctl.plant.settings import PlantSettings

# capability -> the plant setting it moves (an on/off one: a bool; a level: its number)
FIELDS = {"grid_connection": "grid_connected", "grid_support": "grid_support", "grid_charging": "grid_charge",
          "grid_charge_current": "grid_charge_current_a", "battery_export": "discharge_to_grid",
          "export_limit": "max_sell_amps", "load_shave": "load_shave", "low_battery_cut_out": "lbco_voltage_v"}
# output_priority's modes as the plant's flows. battery_first: PV, the battery, then the grid feed the load;
# solar_first: PV then the grid (the battery only without the grid); grid_first: the grid, with the PV the charger
# leaves over beside it (a MUST PV1800's SBU, SUB, UTI).
OUTPUT_PRIORITY: dict[str, dict[str, Any]] = {
    "battery_first": {"grid_support": True, "pv_to_load": "first"},
    "solar_first": {"grid_support": False, "pv_to_load": "first"},
    "grid_first": {"grid_support": False, "pv_to_load": "after_charging"},
}


def effect(name: str, state: SettingValue) -> dict[str, Any]:
    """The plant settings capability `name` amounts to in `state` (on/off, a number, or an output priority mode)."""
    if name == "output_priority":
        return dict(OUTPUT_PRIORITY[str(state)])
    return {FIELDS[name]: state} if name in FIELDS else {}


def written(caps: Capabilities, setting: str, value: SettingValue) -> dict[str, Any] | None:
    """The plant settings a write of `value` to the device's `setting` amounts to; None if no capability the plant
    models is carried by that setting (the simulator keeps such a value as written)."""
    for name, cap in caps.declared().items():
        if isinstance(cap, Switch) and cap.setting == setting and name in FIELDS:
            return effect(name, value == cap.on)
        if isinstance(cap, Level) and cap.setting == setting and name in FIELDS and not isinstance(value, (str, bool)):
            return effect(name, float(value))
        if isinstance(cap, Modes) and name == "output_priority":
            mode = next((m for m, chosen in cap.modes.items() if chosen.get(setting, None) == value), None)
            if mode is not None:
                return effect(name, mode)
    return None


def current(caps: Capabilities, settings: PlantSettings) -> dict[str, SettingValue]:
    """Each capability's setting as the plant now has it (what a read of the device's setting gives)."""
    found: dict[str, SettingValue] = {}
    for name, cap in caps.declared().items():
        if isinstance(cap, Switch) and name in FIELDS:
            found |= cap.settings(bool(getattr(settings, FIELDS[name])))
        elif isinstance(cap, Level) and name in FIELDS:
            found[cap.setting] = float(getattr(settings, FIELDS[name]))
        elif isinstance(cap, Modes) and name == "output_priority":
            mode = ("battery_first" if settings.grid_support else
                    "solar_first" if settings.pv_to_load == "first" else "grid_first")
            if mode in cap.modes:
                found |= cap.settings(mode)
    return found
