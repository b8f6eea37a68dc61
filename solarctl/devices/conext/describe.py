"""The Conext drivers: XW inverter, MPPT charge controllers and the ComBox, behind the ComBox's Modbus TCP gateway.

Catalogues come from the register maps (xw.py, mppt.py, combox.py); the notes add what a map cannot say.
"""

from __future__ import annotations

from typing import Literal

from solarctl.devices.config import ModbusTcpDevice, Unit
from solarctl.devices.description import Catalogue, DriverDescription, note


class ConextXwConfig(ModbusTcpDevice):
    driver: Literal["conext_xw"]
    unit: Unit = 10


class ConextMpptConfig(ModbusTcpDevice):
    driver: Literal["conext_mppt"]
    unit: Unit = 30


class ConextComboxConfig(ModbusTcpDevice):
    driver: Literal["conext_combox"]
    unit: Unit = 201


CONEXT_XW = DriverDescription(
    config=ConextXwConfig,
    manufacturer='Schneider Electric',
    device="solarctl.devices.conext.xw:ConextXw",
    simulator="solarctl.sim.conext:xw_bank",
    rows="solarctl.store.rows:conext_xw_rows",
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
    ),
)
