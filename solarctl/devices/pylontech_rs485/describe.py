"""A Pylontech stack over the RS485 port of its master module (the `~…` ASCII-hex protocol, 2.0 or 3.5):
stack values at the top level, one dict per module in `modules`, as the console driver publishes them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from solarctl.devices.config import SerialDevice
from solarctl.devices.description import (
    CELL_VOLTAGE, PERCENT, TEMPERATURE, AtMost, Catalogue, DriverDescription, Extremes, Metric, SumOf,
)
from solarctl.devices.pylontech.describe import MODULE_CURRENT, MODULE_VOLTAGE, MODULES, stack_metrics


class PylontechRs485Config(SerialDevice):
    driver: Literal["pylontech_rs485"]
    baudrate: Annotated[int, Field(gt=0)] = 9600
    # The master's address (ADR): 2 with the DIP switches at 0 on US2000/US3000/US5000; modules follow it.
    unit: Annotated[int, Field(ge=1, le=254, description="the master module's RS485 address (ADR), usually 2")] = 2
    version: Literal["2.0", "3.5"] = "2.0"  # the VER the batteries answer with


LIMIT_VOLTAGE = (0.0, 120 * CELL_VOLTAGE[1])
LIMIT_CURRENT = (16 * MODULE_CURRENT[0], 16 * MODULE_CURRENT[1])
MODULE_CAPACITY = (0.0, 200.0)  # Ah: the largest module (US5000) has 100, with room
CYCLES = (0.0, 20000.0)  # LiFePO4 lasts 6000-8000

MODULE = (
    Metric("index", precision=0, valid=MODULES),
    Metric("soc", "%", device_class="battery", precision=1, valid=PERCENT),
    Metric("voltage", "V", precision=3, role="battery_voltage", valid=MODULE_VOLTAGE),
    Metric("current", "A", precision=1, valid=MODULE_CURRENT),
    Metric("temperature", "°C", precision=1, valid=TEMPERATURE),
    Metric("remaining_charge", "Ah", precision=3, valid=MODULE_CAPACITY),
    Metric("capacity", "Ah", precision=3, valid=MODULE_CAPACITY),
    Metric("cycles", precision=0, state_class="total_increasing", valid=CYCLES),
    Metric("cell_voltages", "V", "list", precision=3, role="cell_voltages", valid=CELL_VOLTAGE),
    Metric("cell_voltage_min", "V", precision=3, valid=CELL_VOLTAGE),
    Metric("cell_voltage_max", "V", precision=3, valid=CELL_VOLTAGE),
    Metric("cell_temperatures", "°C", "list", precision=1, valid=TEMPERATURE),
    Metric("charge_voltage_limit", "V", precision=3, valid=LIMIT_VOLTAGE),
    Metric("discharge_voltage_limit", "V", precision=3, valid=LIMIT_VOLTAGE),
    Metric("charge_current_limit", "A", precision=1, valid=LIMIT_CURRENT),
    Metric("discharge_current_limit", "A", precision=1, valid=LIMIT_CURRENT),
    Metric("charge_enable", kind="on_off"),
    Metric("discharge_enable", kind="on_off"),
    Metric("full_charge_request", kind="on_off"),
    Metric("serial_number", kind="enum"),
)

PYLONTECH_RS485 = DriverDescription(
    config=PylontechRs485Config,
    manufacturer="Pylontech",
    device="solarctl.devices.pylontech_rs485.driver:PylontechRs485",
    simulator="solarctl.sim.pylontech_rs485:rs485_unit",
    plant_view="solarctl.sim.pylontech_rs485:plant_view",
    decoders={"pylontech-rs485": "solarctl.devices.pylontech_rs485.decode:decode_frame"},
    rows="solarctl.store.rows:pylontech_rows",
    metrics=Catalogue(
        *stack_metrics(MODULE, soc_precision=1, current_precision=1),
        *(Metric(name, "V", precision=3, valid=CELL_VOLTAGE) for name in (
            "cell_voltage_high_limit", "cell_voltage_low_limit", "cell_voltage_under_limit")),
        *(Metric(name, "V", precision=3, valid=LIMIT_VOLTAGE) for name in (
            "module_voltage_high_limit", "module_voltage_low_limit", "module_voltage_under_limit")),
        *(Metric(name, "°C", precision=1, valid=TEMPERATURE) for name in (
            "charge_temperature_high_limit", "charge_temperature_low_limit", "discharge_temperature_high_limit",
            "discharge_temperature_low_limit")),
        Metric("protocol_version", kind="enum"),
        Metric("device_name", kind="enum"),
        Metric("software_version", kind="enum"),
        Metric("manufacturer", kind="enum"),
        # Also for each module record: a module's cells in series make its voltage.
        rules=(Extremes(), SumOf("cell_voltages", "voltage"), AtMost("remaining_charge", "capacity", factor=1.05)),
    ),
)
