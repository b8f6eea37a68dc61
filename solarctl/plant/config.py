"""[plant] table: the simulated installation used by `solarctl demo` and `solarctl sim`.

`PlantConfig()` alone is the real SCP site: Conext XW+ 8548E, two MPPT 60 150 arrays (west/east),
six Pylontech US2000B Plus modules, Vienna.
"""

from __future__ import annotations

import zoneinfo
from typing import Literal

from pydantic import Field, field_validator, model_validator

from solarctl.strict_model import StrictModel
from solarctl.plant.settings import PlantSettings

ABSORPTION_V_PER_CELL, FLOAT_V_PER_CELL = 3.50, 3.45


class PvArrayConfig(StrictModel):
    name: str = Field(min_length=1)
    peak_w: float = Field(3200.0, gt=0)  # DC at 1000 W/m² and 25 °C cells
    azimuth_deg: float = Field(180.0, ge=0, lt=360)  # compass: 90 east, 180 south, 270 west
    tilt_deg: float = Field(30.0, ge=0, le=90)
    mppt_efficiency: float = Field(0.97, gt=0, le=1)
    mpp_voltage_v: float = Field(115.0, gt=0)  # array MPP voltage at 25 °C cells
    max_output_current_a: float = Field(60.0, gt=0)  # MPPT 60 150 battery-side limit
    temp_coefficient_per_c: float = Field(-0.0037, le=0)  # relative power change per kelvin
    noct_c: float = Field(45.0, gt=20)  # cell temperature at 800 W/m², 20 °C air


def _default_arrays() -> list[PvArrayConfig]:
    return [
        PvArrayConfig(name="west", azimuth_deg=270.0),
        PvArrayConfig(name="east", azimuth_deg=90.0),
    ]


class BatteryConfig(StrictModel):
    module_count: int = Field(6, ge=1, le=16)
    module_capacity_ah: float = Field(50.0, gt=0)
    cells_in_series: int = Field(15, ge=1)
    cell_resistance_ohm: float = Field(0.002, ge=0)  # per cell string of one module
    module_max_charge_a: float = Field(25.0, ge=0)  # BMS limit per module
    module_max_discharge_a: float = Field(50.0, ge=0)
    charge_efficiency: float = Field(0.99, gt=0, le=1)  # coulombic, on top of I²R
    discharge_efficiency: float = Field(0.99, gt=0, le=1)
    initial_soc_pct: float = Field(60.0, ge=0, le=100)
    soh_pct: float = Field(97.0, gt=0, le=100)  # at start; fades with cycles
    cycles: float = Field(350.0, ge=0)  # equivalent full cycles at start
    soh_fade_pct_per_cycle: float = Field(0.004, ge=0)  # 80 % after ~5000 cycles
    ambient_c: float = 20.0  # battery room
    thermal_resistance_k_per_w: float = Field(0.1, gt=0)
    thermal_time_constant_s: float = Field(7200.0, gt=0)
    cell_spread_v: float = Field(0.004, ge=0)  # cells differ by up to ± this from their module mean
    cell_soc_spread_pct: float = Field(1.0, ge=0)  # cells' charge differs by up to ± this (% of capacity)
    balance_start_v: float = Field(3.40, gt=0)  # the BMS balances while the cells are above this
    balance_time_constant_s: float = Field(3600.0, gt=0)  # ... shrinking their spread with this time constant
    spread_regrow_cycles: float = Field(5.0, gt=0)  # full cycles without balancing that bring it all back
    module_current_imbalance: float = Field(0.03, ge=0, lt=1)  # ± fraction of an equal share
    module_soc_spread_pct: float = Field(1.0, ge=0)


class InverterConfig(StrictModel):
    rated_w: float = Field(6800.0, gt=0)  # continuous AC, inverting and charging
    efficiency: float = Field(0.95, gt=0, le=1)
    idle_w: float = Field(30.0, ge=0)
    # Charger set points; left out they follow the battery's cell count (3.50 / 3.45 V a cell, the XW's
    # 52.5 / 51.75 V on 15 cells, 56.0 / 55.2 V on 16): a default that charges whatever pack is configured.
    absorption_voltage_v: float | None = Field(None, gt=0)
    float_voltage_v: float | None = Field(None, gt=0)
    absorption_exit_current_a: float = Field(6.0, ge=0)  # absorption ends (-> float) below this
    recharge_soc_pct: float = Field(90.0, ge=0, le=100)  # float -> bulk again below this


class GridConfig(StrictModel):
    voltage_v: float = Field(230.0, gt=0)
    frequency_hz: float = Field(50.0, gt=0)
    impedance_ohm: float = Field(0.2, ge=0)  # voltage sags with import, rises with export
    available: bool = True


class LoadConfig(StrictModel):
    annual_kwh: float = Field(4000.0, ge=0)
    noise_pct: float = Field(10.0, ge=0, le=50)  # ± deterministic minute-to-minute variation


class ClimateConfig(StrictModel):
    mean_temp_c: float = 10.5  # Vienna: annual mean of the air temperature
    annual_swing_c: float = Field(10.5, ge=0)  # ± around the mean, coldest mid-January
    daily_swing_c: float = Field(5.0, ge=0)  # ± around the day's mean, warmest mid-afternoon
    # weather = "pvlib": a TMY3 (.csv) or EPW (.epw) file, by name from pvlib's own data or a path
    tmy_file: str = "723170TYA.CSV"


class PlantConfig(StrictModel):
    latitude: float = Field(48.2, ge=-90, le=90)
    longitude: float = Field(16.4, ge=-180, le=180)
    timezone: str = "Europe/Vienna"
    weather: Literal["clear_sky", "pvlib"] = "clear_sky"
    load_profile: Literal["builtin", "demandlib"] = "builtin"
    seed: int = 1
    max_substep_s: float = Field(5.0, gt=0, le=60)
    pv_arrays: list[PvArrayConfig] = Field(default_factory=_default_arrays)
    battery: BatteryConfig = Field(default_factory=BatteryConfig)
    inverter: InverterConfig = Field(default_factory=InverterConfig)
    grid: GridConfig = Field(default_factory=GridConfig)
    load: LoadConfig = Field(default_factory=LoadConfig)
    climate: ClimateConfig = Field(default_factory=ClimateConfig)
    settings: PlantSettings = Field(default_factory=PlantSettings)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}; use an IANA name such as 'Europe/Vienna'") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "PlantConfig":
        names = [a.name for a in self.pv_arrays]
        for name in names:
            if names.count(name) > 1:
                raise ValueError(f"two pv_arrays are named {name!r}; names must be unique")
        cells, inv = self.battery.cells_in_series, self.inverter
        if inv.absorption_voltage_v is None or inv.float_voltage_v is None:
            self.inverter = inv.model_copy(update={
                "absorption_voltage_v": inv.absorption_voltage_v or ABSORPTION_V_PER_CELL * cells,
                "float_voltage_v": inv.float_voltage_v or FLOAT_V_PER_CELL * cells})
        if self.inverter.float_voltage_v > self.inverter.absorption_voltage_v:
            raise ValueError("inverter.float_voltage_v must not exceed inverter.absorption_voltage_v")
        return self
