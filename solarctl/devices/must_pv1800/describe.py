"""The MUST PV1800 inverter/charger on RS485 (Modbus RTU). Its catalogue is the PV1800 map plus what derived.py
computes from it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from solarctl.devices.capabilities import Capabilities, Level, Modes, Switch
from solarctl.devices.config import RtuUnit, SerialDevice
from solarctl.devices.description import (
    AC_FREQUENCY, AC_VOLTAGE, POWER_FACTOR, U16, U32, AtMost, Catalogue, DriverDescription, Metric, note,
)


class MustPv1800Config(SerialDevice):
    driver: Literal["must_pv1800"]
    baudrate: Annotated[int, Field(gt=0)] = 19200
    unit: RtuUnit = 4


# Physical ranges of a PV1800 (up to 5.5 kW, a 48 V bank, PV up to 500 V) and its electronics, which shut down near
# 90 °C.
BANK_VOLTAGE = (0.0, 80.0)
POWER = (-15000.0, 15000.0)
AC_CURRENT = (-100.0, 100.0)
DC_CURRENT = (-400.0, 400.0)
DEVICE_TEMPERATURE = (-40.0, 150.0)
LIFETIME_KWH = (0.0, 2e6)  # 5.5 kW for 40 years is 1.9 GWh

VALID = {
    **dict.fromkeys(("pv_power", "load_power", "grid_power", "battery_power", "inverter_power",
                     "inverter_apparent_power", "grid_apparent_power", "load_apparent_power",
                     "inverter_reactive_power", "grid_reactive_power", "load_reactive_power"), POWER),
    **dict.fromkeys(("battery_current", "control_current", "pv_charge_current", "max_charge_current",
                     "grid_max_charge_current", "pv_max_charge_current", "charger_rated_current"), DC_CURRENT),
    **dict.fromkeys(("inverter_current", "grid_current", "load_current", "max_discharge_current"), AC_CURRENT),
    **dict.fromkeys(("energy_pv_total", "energy_load_total", "energy_grid_import_total", "energy_grid_export_total",
                     "energy_battery_charge_total", "energy_battery_discharge_total", "energy_self_use_total",
                     "energy_pv_export_total", "energy_grid_charge_total"), LIFETIME_KWH),
    **dict.fromkeys(("grid_power_factor", "load_power_factor", "inverter_power_factor"), POWER_FACTOR),
    "charger_operating_time": (0.0, 2e9),  # s: 63 years
    **dict.fromkeys(("battery_stop_discharge_voltage", "battery_stop_charge_voltage", "battery_low_voltage",
                     "battery_high_voltage", "float_voltage", "absorption_voltage", "charger_battery_low_voltage",
                     "charger_battery_high_voltage", "equalization_voltage", "charger_battery_voltage",
                     "charger_battery_voltage_grade", "battery_voltage", "battery_voltage_grade"), BANK_VOLTAGE),
    **dict.fromkeys(("output_voltage", "ac_voltage_grade", "inverter_voltage", "grid_voltage"), AC_VOLTAGE),
    **dict.fromkeys(("inverter_frequency", "grid_frequency"), AC_FREQUENCY),
    "battery_capacity": (0.0, 2000.0),
    **dict.fromkeys(("equalization_time", "equalization_timeout"), (0.0, 86400.0)),
    "equalization_interval": (0.0, 90 * 86400.0),
    "pv_voltage": (0.0, 600.0),
    "bus_voltage": (0.0, 800.0),
    **dict.fromkeys(("rated_apparent_power", "rated_power"), (0.0, 20000.0)),
    "load_percent": (0.0, 200.0),  # overload runs past 100 %
    **dict.fromkeys(("charger_radiator_temperature", "charger_external_temperature", "ac_radiator_temperature",
                     "transformer_temperature", "dc_radiator_temperature"), DEVICE_TEMPERATURE),
    # Identity, versions, calibration coefficients and flag words: the range their registers hold.
    **dict.fromkeys(("machine_rating", "hardware_version", "software_version", "protocol_version",
                     "charger_machine_type", "charger_hardware_version", "charger_software_version",
                     "inverter_hardware_version", "inverter_software_version", "inverter_protocol_version",
                     "parallel_max_number", "parallel_combine_type", "parallel_number", "arrow_flags"), U16),
    **dict.fromkeys(("serial_number", "charger_serial_number", "inverter_serial_number"), U32),
    **dict.fromkeys(("battery_voltage_calibration", "inverter_voltage_calibration", "grid_voltage_calibration",
                     "bus_voltage_calibration", "control_current_calibration", "inverter_current_calibration",
                     "grid_current_calibration", "pv_voltage_calibration", "charger_battery_voltage_calibration",
                     "charger_current_calibration"), (-0x8000, 0x7FFF)),
}

MUST_PV1800 = DriverDescription(
    config=MustPv1800Config,
    manufacturer='MUST',
    device="solarctl.devices.must_pv1800.driver:MustPv1800",
    simulator="solarctl.sim.must_pv1800:pv1800_unit",
    plant_view="solarctl.sim.must_pv1800:pv1800_plant_view",
    rows="solarctl.store.rows:pv1800_rows",
    capabilities=Capabilities(
        grid_connection=Switch("grid_connection", on="on-grid", off="off-grid"),  # 20105
        output_priority=Modes({"battery_first": {"energy_use_mode": "SBU"}, "solar_first": {"energy_use_mode": "SUB"},
                               "grid_first": {"energy_use_mode": "UTI"}}),  # 20109
        grid_charging=Switch("charger_source_priority", on="Solar and Utility", off="Only Solar"),  # 20143
        grid_charge_current=Level("grid_charge_current_limit", "A", 1.0, 80.0),  # 20125, DC
        battery_export=Switch("discharge_to_grid", on="on", off="off"),  # 20108
        export_limit=Level("export_current_limit", "A", 1.0, 21.7),  # 20113, AC
        low_battery_cut_out=Level("battery_low_voltage", "V", 40.0, 48.0),  # 20127
    ),
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
        valid=VALID,
        rules=(AtMost("battery_low_voltage", "battery_high_voltage"),
               AtMost("charger_battery_low_voltage", "charger_battery_high_voltage")),
    ),
)
