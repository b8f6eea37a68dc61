"""What a device can be told to do, declared by its driver (as OpenEMS natures or evcc's interfaces): strategies,
the config check and the plant ask for a capability, never for a driver's name.

Each capability is carried by the device's writable settings (the names `solarctl set` takes), and says how:
- Switch: one setting, and which of its values means on and which off;
- Modes: named modes, each a set of setting values (one setting, or several written together);
- Level: one number in a unit within a range, e.g. a current limit.
A driver declares the ones its settings carry in its `describe.py` (`DriverDescription.capabilities`); the
catalogue test checks each against the driver's writable settings (name, enum values, unit and range).

Signs and meanings, whatever the device calls them:
- grid_connection (Switch): on = attached to the grid; off = off-grid, PV and the battery alone.
- grid_support (Switch): on = PV then the battery carry the load, the grid stays connected as the fallback.
- output_priority (Modes of OUTPUT_PRIORITIES): what feeds the load first.
- grid_charging (Switch): the battery may be charged from the grid; grid_charge_current (Level, DC A) its limit.
- battery_export (Switch): the battery may be discharged into the grid; export_limit (Level, AC A).
- load_shave (Switch): grid import is capped, the battery carries the rest.
- low_battery_cut_out (Level, V): the inverter stops discharging at this battery voltage.
- charge_switch / discharge_switch (Switch): a BMS lets the pack charge / discharge.
- rated_power_w: the continuous AC rating, where every model the driver covers shares one (None: the site's
  [plant] / [strategy.limits] say it); the optimiser never plans beyond it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Literal, Mapping, Union, get_args

SettingValue = Union[float, int, str, bool]

# The modes of `output_priority`, by what feeds the load first: the grid (PV charges the battery), PV then the
# grid (the battery waits), PV then the battery then the grid (the MUST / Voltronic UTI, SUB / SOL, SBU).
OutputPriority = Literal["grid_first", "solar_first", "battery_first"]
OUTPUT_PRIORITIES: tuple[str, ...] = get_args(OutputPriority)


@dataclass(frozen=True)
class Switch:
    """On/off through one setting: the setting's value that means on, and the one that means off."""

    setting: str
    on: SettingValue
    off: SettingValue

    def settings(self, on: bool) -> dict[str, SettingValue]:
        return {self.setting: self.on if on else self.off}

    @property
    def values(self) -> dict[str, tuple[SettingValue, ...]]:
        """setting -> the values this capability writes into it."""
        return {self.setting: (self.on, self.off)}


@dataclass(frozen=True)
class Modes:
    """Named modes, each the setting values that select it (written together, in this order)."""

    modes: Mapping[str, Mapping[str, SettingValue]]

    def settings(self, mode: str) -> dict[str, SettingValue]:
        return dict(self.modes[mode])

    def has(self, *modes: str) -> bool:
        return all(mode in self.modes for mode in modes)

    @property
    def values(self) -> dict[str, tuple[SettingValue, ...]]:
        found: dict[str, tuple[SettingValue, ...]] = {}
        for chosen in self.modes.values():
            for setting, value in chosen.items():
                found[setting] = (*found.get(setting, ()), value)
        return found


@dataclass(frozen=True)
class Level:
    """A number in `unit` within [low, high], through one setting; with `choices`, only those values (a Voltronic's
    utility charge current takes 2, 10, 20 ... A)."""

    setting: str
    unit: str
    low: float
    high: float
    choices: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not self.low <= self.high:
            raise ValueError(f"{self.setting}: the range {self.low:g}..{self.high:g} {self.unit} is empty")
        if self.choices and (min(self.choices) != self.low or max(self.choices) != self.high):
            raise ValueError(f"{self.setting}: choices must run from low ({self.low:g}) to high ({self.high:g})")

    def settings(self, value: float) -> dict[str, SettingValue]:
        """The setting at `value`, kept within the range (with choices: the largest not above it, else the lowest)."""
        if self.choices:
            return {self.setting: max((c for c in self.choices if c <= value), default=self.low)}
        return {self.setting: min(self.high, max(self.low, value))}

    @property
    def values(self) -> dict[str, tuple[SettingValue, ...]]:
        return {self.setting: self.choices or (self.low, self.high)}


Capability = Union[Switch, Modes, Level]


@dataclass(frozen=True)
class Capabilities:
    """The capabilities one driver's devices have (None: not this one); see the module's text for meanings."""

    grid_connection: Switch | None = None
    grid_support: Switch | None = None
    output_priority: Modes | None = None
    grid_charging: Switch | None = None
    grid_charge_current: Level | None = None
    battery_export: Switch | None = None
    export_limit: Level | None = None
    load_shave: Switch | None = None
    low_battery_cut_out: Level | None = None
    charge_switch: Switch | None = None
    discharge_switch: Switch | None = None
    rated_power_w: float | None = None

    def __post_init__(self) -> None:
        if self.output_priority is not None and not set(self.output_priority.modes) <= set(OUTPUT_PRIORITIES):
            unknown = sorted(set(self.output_priority.modes) - set(OUTPUT_PRIORITIES))
            raise ValueError(f"output_priority modes {', '.join(unknown)} are none of {', '.join(OUTPUT_PRIORITIES)}")

    def named(self, name: str) -> Capability | None:
        """The capability called `name`, if the driver declares it."""
        if name not in CAPABILITY_NAMES:
            raise ValueError(f"no capability is called {name!r}; capabilities: {', '.join(CAPABILITY_NAMES)}")
        found: Capability | None = getattr(self, name)
        return found

    def declared(self) -> dict[str, Capability]:
        """name -> capability, for those the driver declares."""
        return {name: cap for name in CAPABILITY_NAMES if (cap := getattr(self, name)) is not None}


CAPABILITY_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Capabilities) if f.name != "rated_power_w")
