"""The Pylontech stack read over its RS232 console (`pwr`, `info`, `bat N`): stack values at the top level, one
dict per module in `modules` (stack.py says how they are computed)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from solarctl.devices.config import ConsoleDevice, Seconds
from solarctl.devices.description import (
    CELL_VOLTAGE, PERCENT, TEMPERATURE, U32, Catalogue, DriverDescription, Extremes, Metric, SumOf,
)


class PylontechConsoleConfig(ConsoleDevice):
    driver: Literal["pylontech_console"]
    baudrate: Annotated[int, Field(gt=0)] = 115200
    wakeup: Literal["auto", "always", "never"] = "auto"
    modules: Annotated[int, Field(ge=1, le=16)] | None = None  # cap on the module count found in `pwr`
    cell_interval: Seconds = 60.0  # `bat N` cell tables, one module per poll


# Physical ranges of one 48 V module (15 or 16 cells; the largest, US5000, is rated 100 A, 200 A peak);
# a stack has at most 16 modules in parallel.
MODULE_VOLTAGE = (16 * CELL_VOLTAGE[0], 16 * CELL_VOLTAGE[1])
# A stack's modules are in parallel (its voltage a module's), or in series in a high-voltage stack (Force H1/H2/H3,
# SC controllers: up to 120 cells).
STACK_VOLTAGE = (MODULE_VOLTAGE[0], 120 * 3.65 * 1.2)
MODULE_CURRENT = (-200.0, 200.0)
STACK_CURRENT = (16 * MODULE_CURRENT[0], 16 * MODULE_CURRENT[1])
STACK_POWER = (-200000.0, 200000.0)  # W: 16 modules at 200 A, or a high-voltage stack at 500 V and 400 A
STACK_CAPACITY = (0.0, 16 * 200.0)  # Ah: 16 modules of at most 100 Ah (US5000), with room
MODULES = (1.0, 16.0)
TIMESTAMP = U32  # epoch seconds


def _state(name: str) -> Metric:
    return Metric(name, kind="enum")


# Each module's values: the stack's names, its `pwr` state words (firmwares add some), and its latest cell table.
MODULE = (
    Metric("index", precision=0, valid=MODULES),
    Metric("soc", "%", device_class="battery", precision=0, valid=PERCENT),
    Metric("voltage", "V", precision=3, role="battery_voltage", valid=MODULE_VOLTAGE),
    Metric("current", "A", precision=3, valid=MODULE_CURRENT),
    Metric("temperature", "°C", precision=1, valid=TEMPERATURE),
    Metric("cell_voltage_min", "V", precision=3, valid=CELL_VOLTAGE),
    Metric("cell_voltage_max", "V", precision=3, valid=CELL_VOLTAGE),
    *map(_state, ("base_state", "voltage_state", "current_state", "temperature_state", "battery_voltage_state",
                  "battery_temperature_state", "mos_temperature_state", "system_alarm_state")),
    Metric("cell_voltages", "V", "list", precision=3, role="cell_voltages", valid=CELL_VOLTAGE),
    Metric("cell_temperatures", "°C", "list", precision=1, valid=TEMPERATURE),
    Metric("cells_read_at", device_class="timestamp", state_class=None, precision=0, valid=TIMESTAMP),  # epoch seconds
)

# One row of a `bat` / `soh` cell table, as `solarctl decode` prints it (the driver publishes these as lists).
CELL_ROW = (
    Metric("voltage", "V", precision=3, valid=CELL_VOLTAGE),
    Metric("temperature", "°C", precision=1, valid=TEMPERATURE),
    Metric("soc", "%", precision=0, valid=PERCENT),
)

# What console answers hold besides the metrics (a `pwr` row's or system summary's extremes, `info`'s limits).
ANSWER_VALID = {
    "soh": PERCENT,
    **dict.fromkeys(("temperature_min", "temperature_max", "mos_temperature"), TEMPERATURE),
    "cell_voltage_mean": CELL_VOLTAGE,
    "cell_count": (1.0, 120.0),  # a module's 15 or 16, a high-voltage stack's up to 120
    # `info` is one module's; a high-voltage stack's recommendations are its series string's
    **dict.fromkeys(("max_charge_current", "max_discharge_current", "recommend_chg_current",
                     "recommend_dsg_current"), MODULE_CURRENT),
    "remaining_charge": STACK_CAPACITY,
}

def stack_metrics(module: tuple[Metric, ...], *, soc_precision: int, current_precision: int) -> tuple[Metric, ...]:
    """The stack's metrics, read over the console or RS485 alike (each prints its own precision); the battery's
    own power is the first choice for `battery_power`."""
    return (
        Metric("soc", "%", device_class="battery", precision=soc_precision, role="battery_soc", label="SoC",
               valid=PERCENT),
        Metric("voltage", "V", precision=3, role="battery_voltage", label="stack", valid=STACK_VOLTAGE),
        Metric("current", "A", precision=current_precision, role="battery_current", label="current",
               valid=STACK_CURRENT),
        Metric("power", "W", precision=0, role="battery_power", valid=STACK_POWER),
        Metric("temperature", "°C", precision=1, role="temperature", valid=TEMPERATURE),
        Metric("cell_voltage_min", "V", precision=3, valid=CELL_VOLTAGE),
        Metric("cell_voltage_max", "V", precision=3, valid=CELL_VOLTAGE),
        Metric("capacity", "Ah", precision=0, valid=STACK_CAPACITY),
        Metric("module_count", precision=0, label="modules", valid=MODULES),
        Metric("modules", kind="list", fields=module),
    )


PYLONTECH_CONSOLE = DriverDescription(
    config=PylontechConsoleConfig,
    manufacturer='Pylontech',
    device="solarctl.devices.pylontech.driver:PylontechConsole",
    simulator="solarctl.sim.pylontech_console:console_simulator",
    plant_view="solarctl.sim.pylontech_stack:plant_view",
    decoders={"pylontech-console": "solarctl.devices.pylontech.decode:decode_capture"},
    rows="solarctl.store.rows:pylontech_rows",
    answer_valid=ANSWER_VALID,
    metrics=Catalogue(
        *stack_metrics(MODULE, soc_precision=0, current_precision=3),
        # A high-voltage stack's `bat` lists every cell of the stack: its cells at the stack level.
        Metric("cell_voltages", "V", "list", precision=3, role="cell_voltages", valid=CELL_VOLTAGE),
        Metric("cell_temperatures", "°C", "list", precision=1, valid=TEMPERATURE),
        Metric("cells_read_at", device_class="timestamp", state_class=None, precision=0, valid=TIMESTAMP),
        Metric("cell_module_size", precision=0, valid=(1.0, 32.0)),  # cells per module in `cell_voltages` (None: not known)
        # Also for each module record; the cells of a whole stack (high voltage) or a module sum to its voltage.
        rules=(Extremes(), SumOf("cell_voltages", "voltage")),
    ),
)
