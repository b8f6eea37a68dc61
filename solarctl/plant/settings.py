"""The inverter settings that simulators write (the devices' RW registers) and the plant obeys.

One model serves as the `[plant.settings]` table (initial values) and as the live, mutable
`plant.settings`: assignments are validated, so a simulator cannot store a negative current.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from solarctl.strict_model import StrictModel


class PlantSettings(StrictModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, validate_assignment=True)

    inverter_enabled: bool = True  # XW 0x0161; off = never invert (off-grid loads go unserved)
    grid_support: bool = False  # XW 0x01B3: PV then battery supply the load
    # Without grid support, whether PV feeds the load ahead of the grid (the battery never does):
    # "no" (the XW in pass-through: PV only charges), "after_charging" (PV1800 UTI: the charger first, PV
    # left over goes to the load beside the utility), "first" (PV1800 SUB: the load first, then charging).
    # None: the inverter's own default (a PV1800 simulator sets its energy-use mode's; otherwise "no").
    pv_to_load: Literal["no", "after_charging", "first"] | None = None
    sell_enabled: bool = False  # XW 0x0162: export PV surplus while grid support is on
    max_sell_amps: float = Field(20.0, ge=0)  # AC export limit, XW 0x01B4 / PV1800 20113
    load_shave: bool = False  # XW 0x01B2: cap grid import at load_shave_amps
    load_shave_amps: float = Field(8.0, ge=0)  # XW 0x01B6
    lbco_voltage_v: float = Field(45.5, gt=0)  # low-battery cut-out, XW 0x017C
    lbco_delay_s: float = Field(5.0, ge=0)
    lbco_hysteresis_v: float = Field(2.0, ge=0)  # XW 0x01F2: recover at lbco + hysteresis
    grid_connected: bool = True  # PV1800 20105 "on-grid switch"; False = run off-grid
    discharge_to_grid: bool = False  # PV1800 20108: the battery may be exported too
    grid_charge: bool = False  # charge the battery from the grid
    grid_charge_current_a: float = Field(10.0, ge=0)  # DC limit for grid charging, PV1800 20125
    max_charge_current_a: float = Field(140.0, ge=0)  # DC limit for all charging (XW+ 8548 maximum)
    output_voltage_v: float = Field(230.0, gt=0)  # off-grid AC output, PV1800 20102
    output_frequency_hz: float = Field(50.0, gt=0)  # PV1800 20103
