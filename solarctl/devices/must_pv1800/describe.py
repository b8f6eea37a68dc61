"""The MUST PV1800 inverter/charger on RS485 (Modbus RTU). Its catalogue is the PV1800 map plus what derived.py
computes from it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from solarctl.devices.config import RtuUnit, SerialDevice
from solarctl.devices.description import Catalogue, DriverDescription, Metric, note


class MustPv1800Config(SerialDevice):
    driver: Literal["must_pv1800"]
    baudrate: Annotated[int, Field(gt=0)] = 19200
    unit: RtuUnit = 4


MUST_PV1800 = DriverDescription(
    config=MustPv1800Config,
    manufacturer='MUST',
    device="solarctl.devices.must_pv1800.driver:MustPv1800",
    simulator="solarctl.sim.must_pv1800:pv1800_unit",
    plant_view="solarctl.sim.must_pv1800:pv1800_plant_view",
    rows="solarctl.store.rows:pv1800_rows",
    metrics=Catalogue(
        note("work_state", label="state"),
        note("pv_power", role="pv_power", label="PV"),
        note("load_power", role="load_power", label="load"),
        note("grid_power", role="grid_power", label="grid"),
        # Battery power measured at the inverter: only when no BMS reports it.
        note("battery_power", role="battery_power", rank=2, label="battery"),
        note("grid_connection", label="20105"),
        note("battery_current", role="battery_current", rank=2),
        note("energy_pv_total", role="energy_pv"),
        note("energy_load_total", role="energy_load"),
        note("energy_grid_import_total", role="energy_grid_import"),
        note("energy_grid_export_total", role="energy_grid_export"),
        note("energy_battery_charge_total", role="energy_battery_charge"),
        note("energy_battery_discharge_total", role="energy_battery_discharge"),
        *(Metric(f"{part}_power_factor", device_class="power_factor", precision=3)
          for part in ("grid", "load", "inverter")),
        Metric("model", kind="enum"),  # from the identity registers every poll starts with, e.g. "PV1800"
        Metric("on_grid", kind="on_off"),  # the work state ties the inverter to the grid
        Metric("charger_operating_time", precision=0),  # the charger's day, hour and minute counters summed
        Metric("alarms", kind="list"),  # every error and warning flag set
        sources=("solarctl.devices.must_pv1800.registers:PV1800",),
        internal=("charger_time_days", "charger_time_hours", "charger_time_minutes"),
    ),
)
