"""The JK PB BMS on RS485, one pack per device, in any of its three protocols. The catalogue is the union of
what they publish: the PB register map (modbus and 55aa), the 4E57 fields, and battery.py's common metrics."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal, Mapping

from pydantic import Field

from solarctl.devices.config import Seconds, SerialDevice
from solarctl.devices.description import (
    CELL_VOLTAGE, PERCENT, TEMPERATURE, Catalogue, DriverDescription, Metric, load, note,
)


class JkPbConfig(SerialDevice):
    driver: Literal["jk_pb"]
    protocol: Literal["modbus", "55aa", "4e57"] = "modbus"
    baudrate: Annotated[int, Field(gt=0)] = 115200
    # DIP-switch address 1-15; 0 makes the pack the bus master, which answers no one.
    unit: Annotated[int, Field(ge=1, le=15, description="the pack's DIP-switch address, 1 to 15")] = 1
    average: Annotated[int, Field(ge=1, le=10)] = 1  # reads averaged for voltage and current
    # A PB answers in ~40 ms; a short timeout keeps an unplugged pack from holding the shared bus.
    timeout: Seconds = 0.5

    def delivered_metrics(self) -> list[Metric]:
        """The catalogue less the fields only the other protocols carry: what Home Assistant is told of."""
        return [m for m in JK_PB.metrics if m.name not in _foreign_fields(self.protocol)]


# Where each protocol's own fields are listed (the catalogue's sources).
PROTOCOL_FIELDS = {"modbus": "solarctl.devices.jk.registers:JK_PB", "55aa": "solarctl.devices.jk.registers:JK_PB",
                   "4e57": "solarctl.devices.jk.proto4e57:FIELDS"}


def _fields(target: str) -> frozenset[str]:
    table = load(target)
    return frozenset(reg.name for reg in (table.values() if isinstance(table, Mapping) else table))


@cache
def _foreign_fields(protocol: str) -> frozenset[str]:
    """Fields of the other protocols' sources that this protocol's source lacks."""
    others = frozenset().union(*(_fields(t) for t in set(PROTOCOL_FIELDS.values())))
    return others - _fields(PROTOCOL_FIELDS[protocol])


# Physical ranges: the PB map has room for 32 cells (32 x 5 V), JK's largest BMS is rated 600 A.
PACK_VOLTAGE = (0.0, 32 * CELL_VOLTAGE[1])
PACK_CURRENT = (-600.0, 600.0)
SENSORS = ("temperature_mos", "temperature_1", "temperature_2", "temperature_3", "temperature_4", "temperature_5")

JK_PB = DriverDescription(
    config=JkPbConfig,
    manufacturer='Jikong (JK BMS)',
    device="solarctl.devices.jk.driver:JkPb",
    simulator="solarctl.sim.jk:jk_unit",
    plant_view="solarctl.sim.jk:jk_plant_view",
    decoders={
        "jk-pb": "solarctl.devices.jk.pb_bus:decode_capture",
        "jk-4e57": "solarctl.devices.jk.proto4e57:decode_capture",
        "jk-modbus": "solarctl.devices.jk.pb_modbus:decode_capture",
    },
    rows="solarctl.store.rows:jk_rows",
    metrics=Catalogue(
        note("soc", role="battery_soc", device_class="battery", label="SoC", valid=PERCENT),
        note("soh", valid=PERCENT),
        note("voltage", role="battery_voltage", label="U", valid=PACK_VOLTAGE),
        note("current", role="battery_current", label="I", valid=PACK_CURRENT),
        Metric("power", "W", precision=0, role="battery_power", label="P"),  # measured at the battery: first choice
        Metric("temperature", "°C", precision=1, role="temperature", label="T", valid=TEMPERATURE),  # first battery sensor
        Metric("temperatures", "°C", "list", precision=1, valid=TEMPERATURE),  # every battery sensor present
        *(note(name, valid=TEMPERATURE) for name in SENSORS),
        Metric("cell_voltages", "V", "list", precision=3, role="cell_voltages", valid=CELL_VOLTAGE),
        *(Metric(f"cell_voltage_{stat}", "V", precision=3, valid=CELL_VOLTAGE) for stat in ("min", "max")),
        Metric("cell_voltage_delta", "V", precision=3, valid=(0.0, CELL_VOLTAGE[1])),
        Metric("cell_voltage_min_index", precision=0),  # 1-based
        Metric("cell_voltage_max_index", precision=0),
        Metric("balancer_active", kind="on_off"),
        note("charge_mosfet", kind="on_off"),
        note("discharge_mosfet", kind="on_off"),
        Metric("averaged_reads", precision=0),  # how many reads the voltage and current are the mean of
        sources=("solarctl.devices.jk.registers:JK_PB", "solarctl.devices.jk.proto4e57:FIELDS"),
        # Raw fields the driver turns into the metrics above.
        internal=(*(f"cell_voltage_{i:02d}" for i in range(1, 33)), "cell_present", "temperature_sensors",
                  "password", "status"),
    ),
)
