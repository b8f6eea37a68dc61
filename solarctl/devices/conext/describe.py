"""The Conext drivers: XW inverter, MPPT charge controllers and the ComBox, behind the ComBox's Modbus TCP gateway.

Catalogues come from the register maps (xw.py, mppt.py, combox.py); the notes add what a map cannot say.
"""

from __future__ import annotations

from typing import Literal

from solarctl.devices.capabilities import Capabilities, Level, Switch
from solarctl.devices.config import ModbusTcpDevice, Unit
from solarctl.devices.description import (
    AC_FREQUENCY, AC_VOLTAGE, PERCENT, TEMPERATURE, U16, Catalogue, DriverDescription, Product, note,
)


class ConextXwConfig(ModbusTcpDevice):
    driver: Literal["conext_xw"]
    unit: Unit = 10


class ConextMpptConfig(ModbusTcpDevice):
    driver: Literal["conext_mppt"]
    unit: Unit = 30


class ConextComboxConfig(ModbusTcpDevice):
    driver: Literal["conext_combox"]
    unit: Unit = 201


# Physical ranges of a Conext installation: XW+ inverters (up to 8.5 kW, 60 A of AC through, 140 A of charge and
# 250 A of surge from a 24 or 48 V bank), MPPT 60 150 / 80 600 charge controllers (up to 600 V of PV and 80 A out),
# a ComBox adding up to four inverters and their controllers.
BANK_VOLTAGE = (0.0, 80.0)
XW_POWER = 20000.0  # W
XW_DAY = 500.0  # kWh a day through one inverter (14.4 kW for 24 h is 346 kWh)
XW_MONTH = 31 * XW_DAY
AC_CURRENT = 100.0
SITE_POWER = 4 * XW_POWER

XW_VALID = {
    **dict.fromkeys(("grid_power", "battery_power", "inverter_dc_power", "charger_dc_power", "load_power"),
                    (-XW_POWER, XW_POWER)),
    **dict.fromkeys(("battery_voltage", "grid_support_voltage", "recharge_voltage", "battery_low_voltage"),
                    BANK_VOLTAGE),
    **dict.fromkeys(("battery_current", "inverter_dc_current", "charger_dc_current"), (-500.0, 500.0)),
    "battery_temperature": TEMPERATURE,
    **dict.fromkeys(("energy_battery_today", "energy_to_battery_today", "energy_grid_today",
                     "energy_grid_export_today", "energy_load_today"), (0.0, XW_DAY)),
    **dict.fromkeys(("energy_battery_month", "energy_to_battery_month", "energy_grid_month",
                     "energy_grid_export_month", "energy_load_month"), (0.0, XW_MONTH)),
    "charger_dc_power_percentage": PERCENT,
    **dict.fromkeys(("grid_frequency", "load_frequency"), AC_FREQUENCY),
    **dict.fromkeys(("grid_voltage", "load_voltage"), AC_VOLTAGE),
    **dict.fromkeys(("grid_current", "load_current", "maximum_sell_amps", "load_shave_amps"),
                    (-AC_CURRENT, AC_CURRENT)),
    "battery_low_voltage_delay": (0.0, 0xFFFF * 0.01),
    "battery_hysteresis": (0.0, 20.0),
    **dict.fromkeys(("load_shave_start", "load_shave_stop"), (0.0, 24 * 60)),  # minute of the day
    **dict.fromkeys(("soc_level_to_stop", "soc_level_to_start"), PERCENT),
}

MPPT_DAY = 150.0  # kWh: 4.8 kW out for 24 h is 115 kWh
MPPT_VALID = {
    "dc_input_voltage": (0.0, 600.0),
    "dc_input_current": (0.0, 100.0),
    **dict.fromkeys(("dc_input_power", "dc_output_power"), (0.0, 10000.0)),
    "battery_temperature": TEMPERATURE,
    "dc_output_voltage": BANK_VOLTAGE,
    "dc_output_current": (-200.0, 200.0),
    "dc_output_power_percentage": PERCENT,
    "energy_pv_hour": (0.0, MPPT_DAY / 24),
    "energy_pv_day": (0.0, MPPT_DAY),
    "energy_pv_week": (0.0, 7 * MPPT_DAY),
    "energy_pv_month": (0.0, 31 * MPPT_DAY),
    "energy_pv_year": (0.0, 366 * MPPT_DAY),
    "energy_pv_lifetime": (0.0, 50 * 366 * MPPT_DAY),
}

COMBOX_VALID = {
    "battery_soc": PERCENT,
    **dict.fromkeys(("battery_power", "grid_power"), (-SITE_POWER, SITE_POWER)),
    **dict.fromkeys(("pv_harvest_power", "dc_charging_power", "dc_inverting_power", "grid_input_power",
                     "grid_output_power", "load_power", "mppt_pv_power"), (0.0, SITE_POWER)),
    **dict.fromkeys(("active_faults", "active_warnings"), U16),  # counts of active events
    **dict.fromkeys(("dc_charging_current", "mppt_battery_current"), (0.0, 2000.0)),
    "battery_current": (-2000.0, 2000.0),
    "grid_voltage": AC_VOLTAGE,
    "grid_frequency": AC_FREQUENCY,
    "battery_voltage": BANK_VOLTAGE,
    "battery_temperature": TEMPERATURE,
    "battery_capacity_remaining": (0.0, 10000.0),
}

CONEXT_XW = DriverDescription(
    config=ConextXwConfig,
    manufacturer='Schneider Electric',
    device="solarctl.devices.conext.xw:ConextXw",
    simulator="solarctl.sim.conext:xw_bank",
    rows="solarctl.store.rows:conext_xw_rows",
    # The XW's map has no writable grid-charge, sell or AC-input setting: grid support is its lever to the grid.
    capabilities=Capabilities(
        grid_support=Switch("grid_support", on="Enable", off="Disable"),
        load_shave=Switch("load_shave", on="Enable", off="Disable"),
        low_battery_cut_out=Level("low_battery_cut_out", "V", 45.0, 49.0),
    ),
    metrics=Catalogue(
        note("grid_power", role="grid_power", label="grid"),
        note("load_power", role="load_power", label="load"),
        note("battery_voltage", role="battery_voltage", rank=2, label="battery"),
        note("inverter_status", label="status"),
        note("inverter_load_shave_status", label="load shave"),
        # Battery power measured at the inverter: only when neither a BMS nor the ComBox reports it.
        note("battery_power", role="battery_power", rank=2),
        note("battery_current", role="battery_current", rank=2),
        note("battery_temperature", role="temperature"),
        note("energy_battery_today", role="energy_battery_discharge"),
        note("energy_to_battery_today", role="energy_battery_charge"),
        note("energy_grid_today", role="energy_grid_import"),
        note("energy_grid_export_today", role="energy_grid_export"),
        note("energy_load_today", role="energy_load"),
        sources=("solarctl.devices.conext.xw:XW_MAP",),
        valid=XW_VALID,
    ),
)

CONEXT_MPPT = DriverDescription(
    config=ConextMpptConfig,
    manufacturer='Schneider Electric',
    device="solarctl.devices.conext.mppt:ConextMppt",
    simulator="solarctl.sim.conext:mppt_bank",
    rows="solarctl.store.rows:conext_mppt_rows",
    metrics=Catalogue(
        note("dc_input_power", role="pv_input", label="PV in"),
        note("dc_output_power", role="pv_power", label="out"),  # what the PV delivers to the battery bus
        note("energy_pv_day", role="energy_pv", label="today"),
        note("mppt_charger_status", label="charger"),
        sources=("solarctl.devices.conext.mppt:MPPT_MAP",),
        valid=MPPT_VALID,
        # Both sides of the converter are measured in one read: V x I is P.
        rules=(Product("dc_input_voltage", "dc_input_current", "dc_input_power"),
               Product("dc_output_voltage", "dc_output_current", "dc_output_power")),
    ),
)

CONEXT_COMBOX = DriverDescription(
    config=ConextComboxConfig,
    manufacturer='Schneider Electric',
    device="solarctl.devices.conext.combox:ConextCombox",
    simulator="solarctl.sim.conext:combox_bank",
    metrics=Catalogue(
        note("battery_soc", role="battery_soc", device_class="battery", label="SoC"),
        # The ComBox's battery figure beats the inverter's, a BMS's beats both.
        note("battery_power", role="battery_power", rank=1, label="battery"),
        # Its harvest figure is the charge controllers' sum: only without them, or they would count twice.
        note("pv_harvest_power", role="pv_power", rank=1, label="PV"),
        note("grid_power", label="grid"),
        sources=("solarctl.devices.conext.combox:COMBOX_MAP",),
        valid=COMBOX_VALID,
    ),
)
