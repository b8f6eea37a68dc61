"""A PI30 inverter (Voltronic Axpert, MPP Solar, EASUN and rebrands) on a serial port of its own. Its catalogue:
the QPIGS / QPIRI fields (fields.py), the settings (settings.py), and what the driver derives."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from solarctl.devices.capabilities import Capabilities, Level, Modes, Switch
from solarctl.devices.config import ConsoleDevice
from solarctl.devices.description import (
    AC_FREQUENCY, AC_VOLTAGE, PERCENT, AtMost, Catalogue, DriverDescription, Metric, note,
)
from solarctl.devices.voltronic import fields as F
from solarctl.devices.voltronic.settings import GRID_CHARGE_CURRENTS, SETTINGS


class VoltronicConfig(ConsoleDevice):
    driver: Literal["voltronic"]
    baudrate: Annotated[int, Field(gt=0)] = 2400


# Physical ranges: these inverters go up to 11 kVA on 12, 24 or 48 V banks, PV up to 500 V (450 V on most);
# the electronics shut down near 90 °C.
BANK_VOLTAGE = (0.0, 80.0)
POWER = (0.0, 20000.0)
DC_CURRENT = (0.0, 400.0)
AC_CURRENT = (0.0, 100.0)
_TEXT = dict(kind="enum")

VALID = {
    **dict.fromkeys(("grid_voltage", "output_voltage", "grid_rating_voltage", "output_rating_voltage"), AC_VOLTAGE),
    **dict.fromkeys(("grid_frequency", "output_frequency", "output_rating_frequency"), AC_FREQUENCY),
    **dict.fromkeys(("output_apparent_power", "load_power", "pv_power", "grid_power", "output_rating_apparent_power",
                     "output_rating_power"), POWER),
    **dict.fromkeys(("battery_voltage", "scc_battery_voltage", "battery_rating_voltage", "battery_recharge_voltage",
                     "battery_under_voltage", "battery_bulk_voltage", "battery_float_voltage",
                     "battery_redischarge_voltage"), BANK_VOLTAGE),
    **dict.fromkeys(("battery_charge_current", "battery_discharge_current", "pv_current", "grid_charge_current",
                     "max_charge_current"), DC_CURRENT),
    **dict.fromkeys(("grid_rating_current", "output_rating_current"), AC_CURRENT),
    "battery_current": (-DC_CURRENT[1], DC_CURRENT[1]),
    "battery_power": (-POWER[1], POWER[1]),
    "load_percent": (0.0, 200.0),  # overload runs past 100 %
    "battery_soc": PERCENT,
    "bus_voltage": (0.0, 600.0),
    "pv_voltage": (0.0, 600.0),
    "heat_sink_temperature": (-40.0, 150.0),
    "fan_voltage_offset": (0.0, 1.0),
    "eeprom_version": (0.0, 99.0),  # two digits
    "parallel_max_units": (0.0, 9.0),  # one digit
}
_SETTINGS = frozenset(("battery_recharge_voltage", "battery_under_voltage", "battery_bulk_voltage",
                       "battery_float_voltage", "grid_charge_current", "max_charge_current", "output_source_priority",
                       "charger_source_priority", "battery_redischarge_voltage"))
_ROLES = {
    "pv_power": dict(role="pv_power", label="PV"), "load_power": dict(role="load_power", label="load"),
    "grid_power": dict(role="grid_power", label="grid"),
    # Measured at the inverter: only when no BMS reports them.
    "battery_soc": dict(device_class="battery", role="battery_soc", rank=2, label="SoC"),
}


def _metric(field: F.Field) -> Metric:
    if field.form == "code":
        return Metric(field.name, kind="enum")
    precision = 0 if field.form.endswith("d") and field.scale == 1 else 2 if ".2f" in field.form or field.scale < 0.1 else 1
    return Metric(field.name, field.unit, precision=precision, **_ROLES.get(field.name, {}))  # type: ignore[arg-type]


VOLTRONIC = DriverDescription(
    config=VoltronicConfig,
    manufacturer="Voltronic Power",
    device="solarctl.devices.voltronic.driver:Voltronic",
    simulator="solarctl.sim.voltronic:voltronic_port",
    plant_view="solarctl.sim.voltronic:plant_view",
    decoders={"voltronic-pi30": "solarctl.devices.voltronic.decode:decode_capture"},
    # No grid on/off switch and no export: PI30 inverters reach the grid through their output and charger
    # priorities. Ratings differ by model (3 to 11 kVA): the site's [plant] says the rated power.
    capabilities=Capabilities(
        output_priority=Modes({"grid_first": {"output_source_priority": "Utility first"},  # POP00
                               "solar_first": {"output_source_priority": "Solar first"},  # POP01
                               "battery_first": {"output_source_priority": "SBU first"}}),  # POP02
        grid_charging=Switch("charger_source_priority", on="Solar + Utility", off="Only solar"),  # PCP02 / PCP03
        grid_charge_current=Level("grid_charge_current", "A", GRID_CHARGE_CURRENTS[0], GRID_CHARGE_CURRENTS[-1],
                                  choices=tuple(map(float, GRID_CHARGE_CURRENTS))),  # MUCHGC, DC
        low_battery_cut_out=Level("battery_under_voltage", "V", SETTINGS["battery_under_voltage"].min or 0.0,
                                  SETTINGS["battery_under_voltage"].max or 0.0),  # PSDV
    ),
    metrics=Catalogue(
        Metric("mode", kind="enum", label="mode"),  # QMOD
        *(_metric(field) for field in F.QPIGS + F.QPIRI if field.form != "bits" and field.name not in _SETTINGS),
        Metric("battery_current", "A", precision=0, role="battery_current", rank=2),
        Metric("battery_power", "W", precision=0, role="battery_power", rank=2, label="battery"),
        # Not measured: Line mode's load and charging beyond PV (driver.grid_power).
        Metric("grid_power", "W", precision=0, role="grid_power", label="grid"),
        Metric("on_grid", kind="on_off"),  # QMOD: Line mode
        *(Metric(name, kind="on_off") for name in F.QFLAG.values()),
        Metric("protocol_id", **_TEXT),  # type: ignore[arg-type]
        Metric("firmware_version", **_TEXT),  # type: ignore[arg-type]
        Metric("serial_number", **_TEXT),  # type: ignore[arg-type]
        note("output_source_priority", label="output"),
        sources=("solarctl.devices.voltronic.settings:SETTINGS", "solarctl.devices.voltronic.fields:FLAG_REGISTERS"),
        valid=VALID,
        rules=(AtMost("battery_under_voltage", "battery_recharge_voltage"),
               AtMost("battery_float_voltage", "battery_bulk_voltage")),
    ),
)
