"""What a battery schedule must respect: the site's energy and power limits, in SI units (kWh, W, %)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solarctl.plant.config import PlantConfig

UNLIMITED = float("inf")


@dataclass(frozen=True)
class Limits:
    battery_kwh: float  # stored energy between 0 and 100 % SoC
    charge_max_w: float  # battery terminals, DC
    discharge_max_w: float
    inverter_max_w: float  # AC side, both directions
    soc_min_pct: float = 0.0
    soc_max_pct: float = 100.0
    initial_soc_pct: float = 50.0
    charge_efficiency: float = 1.0  # stored / taken in
    discharge_efficiency: float = 1.0  # given out / taken from store
    inverter_efficiency: float = 1.0  # DC <-> AC, each way
    idle_w: float = 0.0  # the inverter's own consumption, an AC load that never stops
    grid_import_max_w: float = UNLIMITED
    grid_export_max_w: float = 0.0
    grid_charge_max_w: float = UNLIMITED  # AC -> DC into the battery (the charger from the grid); 0: never
    final_soc_pct: float | None = None  # the horizon must end at least this full; None: soc_min_pct

    def __post_init__(self) -> None:
        if not 0.0 <= self.soc_min_pct <= self.soc_max_pct <= 100.0:
            raise ValueError(f"SoC bounds {self.soc_min_pct}..{self.soc_max_pct} %: need 0 <= min <= max <= 100")
        for name in ("charge_efficiency", "discharge_efficiency", "inverter_efficiency"):
            if not 0.0 < getattr(self, name) <= 1.0:
                raise ValueError(f"{name} = {getattr(self, name)}: an efficiency is within (0, 1]")
        if self.battery_kwh < 0 or min(self.charge_max_w, self.discharge_max_w, self.inverter_max_w) < 0:
            raise ValueError("battery capacity and power limits must not be negative")

    @classmethod
    def from_plant(cls, plant: PlantConfig) -> Limits:
        """The limits of a simulated site ([plant]): what its battery, inverter and grid settings allow.

        Grid charging is possible where the settings allow it (`grid_charge`), up to the inverter's rating.
        Export is possible only where the settings let the inverter sell (`sell_enabled`) or discharge to
        the grid (`discharge_to_grid`); then up to `max_sell_amps` at the grid's nominal voltage."""
        from solarctl.plant.battery import Battery  # the plant's own energy content per SoC

        bat, inv, s = plant.battery, plant.inverter, plant.settings
        full = Battery(bat, plant.seed)
        full.set_soc(100.0)
        nominal_v = full.ocv_v * 0.96  # the plateau, where the pack spends most of its time
        charge_a = min(bat.module_max_charge_a * bat.module_count, s.max_charge_current_a)
        return cls(
            battery_kwh=full.stored_wh / 1000.0,
            charge_max_w=charge_a * nominal_v,
            discharge_max_w=bat.module_max_discharge_a * bat.module_count * nominal_v,
            inverter_max_w=inv.rated_w,
            initial_soc_pct=bat.initial_soc_pct,
            charge_efficiency=bat.charge_efficiency,
            discharge_efficiency=bat.discharge_efficiency,
            inverter_efficiency=inv.efficiency,
            idle_w=inv.idle_w,
            grid_charge_max_w=inv.rated_w if s.grid_charge else 0.0,
            grid_export_max_w=s.max_sell_amps * plant.grid.voltage_v if s.sell_enabled or s.discharge_to_grid else 0.0,
        )
