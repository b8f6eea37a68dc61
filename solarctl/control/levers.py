"""The strategies' intents said in capabilities (solarctl/devices/capabilities.py): how a device is taken off the
grid, how PV and the battery are made to carry the load, whatever the driver calls its settings.

Each function answers from the first capability the device has, in the order given, or None if it has none.
"""

from __future__ import annotations

from solarctl.devices.capabilities import Capabilities, Capability, Level, SettingValue, Switch

Settings = dict[str, SettingValue]

# What `greedy_offgrid` may switch, best first: the grid really opened (a PV1800's ONGrid switch), grid support
# (the XW: PV and battery carry the load, the grid stays as the fallback), battery-first output priority.
OFF_GRID_LEVERS = ("grid_connection", "grid_support", "output_priority")
# What `forecast`'s "support" may be: grid support, or battery-first against grid-first output priority.
SUPPORT_LEVERS = ("grid_support", "output_priority")


def grid_modes(caps: Capabilities) -> tuple[Settings, Settings] | None:
    """(off-grid settings, on-grid settings), or None if the device has no lever for it."""
    if caps.grid_connection is not None:
        return caps.grid_connection.settings(False), caps.grid_connection.settings(True)
    support = support_modes(caps)
    return None if support is None else (support[1], support[0])


def support_modes(caps: Capabilities) -> tuple[Settings, Settings] | None:
    """(settings without support: the grid feeds the load, settings with support: PV then the battery do)."""
    if caps.grid_support is not None:
        return caps.grid_support.settings(False), caps.grid_support.settings(True)
    if caps.output_priority is not None and caps.output_priority.has("grid_first", "battery_first"):
        return caps.output_priority.settings("grid_first"), caps.output_priority.settings("battery_first")
    return None


def switch_named(caps: Capabilities, name: str) -> Switch | None:
    """The on/off capability called `name`, or the one the setting `name` carries."""
    return next((cap for key, cap in caps.declared().items() if isinstance(cap, Switch) and name in (key, cap.setting)),
                None)


def switches(caps: Capabilities) -> str:
    """The device's on/off capabilities, for a sentence: "load_shave, grid_charging (charger_source_priority)"."""
    found = [key if key == cap.setting else f"{key} ({cap.setting})"
             for key, cap in caps.declared().items() if isinstance(cap, Switch)]
    return ", ".join(found) or "none"


def set_to(capability: Capability, value: SettingValue) -> tuple[str, SettingValue]:
    """(setting, value) that puts a Switch on (true) or off (false), or a Level at a number within its range;
    ValueError (one sentence) for a value the capability does not take, or a capability of several settings."""
    if isinstance(capability, Switch):
        if not isinstance(value, bool):
            raise ValueError(f"{value!r} is not on or off; give true or false")
        return next(iter(capability.settings(value).items()))
    if isinstance(capability, Level):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{value!r} is not a number; give one in {capability.unit}")
        if not capability.low <= value <= capability.high or (capability.choices and value not in capability.choices):
            taken = ", ".join(f"{c:g}" for c in capability.choices) or f"{capability.low:g} to {capability.high:g}"
            raise ValueError(f"{value:g} {capability.unit} is outside what it takes ({taken} {capability.unit})")
        return capability.setting, float(value)
    raise ValueError("it is a choice of modes, not one value; name its setting instead")
