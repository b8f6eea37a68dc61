"""The Pylontech stack read over its RS232 console (`pwr`, `info`, `bat N`): stack values at the top level, one
dict per module in `modules` (stack.py says how they are computed)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from solarctl.devices.config import ConsoleDevice, Seconds
from solarctl.devices.description import Catalogue, DriverDescription, Metric


class PylontechConsoleConfig(ConsoleDevice):
    driver: Literal["pylontech_console"]
    baudrate: Annotated[int, Field(gt=0)] = 115200
    wakeup: Literal["auto", "always", "never"] = "auto"
    modules: Annotated[int, Field(ge=1, le=16)] | None = None  # cap on the module count found in `pwr`
    cell_interval: Seconds = 60.0  # `bat N` cell tables, one module per poll


def _state(name: str) -> Metric:
    return Metric(name, kind="enum")


# Each module's values: the stack's names, its `pwr` state words (firmwares add some), and its latest cell table.
MODULE = (
    Metric("index", precision=0),
    Metric("soc", "%", device_class="battery", precision=0),
    Metric("voltage", "V", precision=3),
    Metric("current", "A", precision=3),
    Metric("temperature", "°C", precision=1),
    Metric("cell_voltage_min", "V", precision=3),
    Metric("cell_voltage_max", "V", precision=3),
    *map(_state, ("base_state", "voltage_state", "current_state", "temperature_state", "battery_voltage_state",
                  "battery_temperature_state", "mos_temperature_state", "system_alarm_state")),
    Metric("cell_voltages", "V", "list", precision=3, role="cell_voltages"),
    Metric("cell_temperatures", "°C", "list", precision=1),
    Metric("cells_read_at", device_class="timestamp", state_class=None, precision=0),  # epoch seconds
)

PYLONTECH_CONSOLE = DriverDescription(
    config=PylontechConsoleConfig,
    manufacturer='Pylontech',
    device="solarctl.devices.pylontech.driver:PylontechConsole",
    simulator="solarctl.sim.pylontech_console:console_simulator",
    plant_view="solarctl.sim.pylontech_stack:plant_view",
    decoders={"pylontech-console": "solarctl.devices.pylontech.decode:decode_capture"},
    rows="solarctl.store.rows:pylontech_rows",
    metrics=Catalogue(
        Metric("soc", "%", device_class="battery", precision=0, role="battery_soc", label="SoC"),
        Metric("voltage", "V", precision=3, label="stack"),
        Metric("current", "A", precision=3, role="battery_current", label="current"),
        Metric("power", "W", precision=0, role="battery_power"),  # measured at the battery: first choice
        Metric("temperature", "°C", precision=1, role="temperature"),
        Metric("cell_voltage_min", "V", precision=3),
        Metric("cell_voltage_max", "V", precision=3),
        Metric("capacity", "Ah", precision=0),
        Metric("module_count", precision=0, label="modules"),
        Metric("modules", kind="list", fields=MODULE),
    ),
)
