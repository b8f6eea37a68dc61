"""The inverter settings that simulators write (the devices' RW registers) and the plant obeys.

One model serves as the `[plant.settings]` table (initial values) and as the live, mutable
`plant.settings`: assignments are validated, so a simulator cannot store a negative current.
Most are what a capability of devices/capabilities.py moves (named in the comments; sim/capability_plant.py
maps them), so a simulated inverter that declares its capabilities drives the plant without a table of its own.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from solarctl.strict_model import StrictModel


class PlantSettings(StrictModel):
    model_config = ConfigDict(extra="forbid", validate_default=True, validate_assignment=True)

    inverter_enabled: bool = True  # off = never invert (off-grid loads go unserved)
    grid_support: bool = False  # capability grid_support (output_priority battery_first): PV then battery supply the load
    # Without grid support, whether PV feeds the load ahead of the grid (the battery never does):
    # "no" (pass-through: PV only charges), "after_charging" (output_priority grid_first: the charger first, PV
    # left over goes to the load beside the utility), "first" (solar_first: the load first, then charging).
    # None: the inverter's own default (a simulator with output priorities sets its mode's; otherwise "no").
    pv_to_load: Literal["no", "after_charging", "first"] | None = None
    sell_enabled: bool = False  # export PV surplus while grid support is on
    max_sell_amps: float = Field(20.0, ge=0)  # AC export limit (capability export_limit)
    load_shave: bool = False  # capability load_shave: cap grid import at load_shave_amps
    load_shave_amps: float = Field(8.0, ge=0)
    lbco_voltage_v: float = Field(45.5, gt=0)  # capability low_battery_cut_out
    lbco_delay_s: float = Field(5.0, ge=0)
    lbco_hysteresis_v: float = Field(2.0, ge=0)  # recover at lbco + hysteresis
    grid_connected: bool = True  # capability grid_connection; False = run off-grid
    discharge_to_grid: bool = False  # capability battery_export: the battery may be exported too
    grid_charge: bool = False  # capability grid_charging: charge the battery from the grid
    grid_charge_current_a: float = Field(10.0, ge=0)  # DC limit for grid charging (capability grid_charge_current)
    max_charge_current_a: float = Field(140.0, ge=0)  # DC limit for all charging (an XW+ 8548's maximum)
    output_voltage_v: float = Field(230.0, gt=0)  # off-grid AC output
    output_frequency_hz: float = Field(50.0, gt=0)
