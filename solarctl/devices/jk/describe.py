"""The JK PB BMS on RS485, one pack per device, in any of its three protocols. The catalogue is the union of
what they publish: the PB register map (modbus and 55aa), the 4E57 fields, and battery.py's common metrics."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal, Mapping

from pydantic import Field

from solarctl.devices.capabilities import Capabilities, Switch
from solarctl.devices.config import Seconds, SerialDevice
from solarctl.devices.description import (
    CELL_VOLTAGE, PERCENT, TEMPERATURE, AtMost, Catalogue, DriverDescription, Extremes, Metric, Product, Share, SumOf,
    load, note,
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


# Physical ranges of what a JK BMS can be fitted to: up to 32 cells in series (its largest map), of at most 3.65 V
# (LiFePO4) or 4.2 V (NMC) each, so 24S NMC (101 V) is the highest pack; JK's largest BMS is rated 600 A; packs of
# up to 2000 Ah (parallel banks of 280-320 Ah cells).
PACK_VOLTAGE = (0.0, 110.0)
PACK_CURRENT = (-600.0, 600.0)
PACK_POWER = (PACK_VOLTAGE[1] * PACK_CURRENT[0], PACK_VOLTAGE[1] * PACK_CURRENT[1])
CAPACITY = (0.0, 2000.0)
CELL_COUNT = (1.0, 32.0)
CELL_INDEX = (1.0, 32.0)
CELL_SETTING = (0.0, CELL_VOLTAGE[1])  # a per-cell voltage setting; 0 where a firmware lacks the setting
CURRENT_LIMIT = (0.0, PACK_CURRENT[1])
BALANCE_CURRENT = (-10.0, 10.0)  # JK's active balancers move at most 2-5 A
DELAY = (0.0, 3600.0)
LIFETIME = (0.0, 2e9)  # s: 63 years
CYCLES = (0.0, 20000.0)  # LiFePO4 lasts 6000-8000
SENSORS = ("temperature_mos", "temperature_1", "temperature_2", "temperature_3", "temperature_4", "temperature_5")

# Ranges of the values the register maps give (the PB map and the 4E57 fields).
VALID = {
    **dict.fromkeys(("capacity_remaining", "capacity_full", "design_capacity", "capacity_setting", "capacity_actual"),
                    CAPACITY),
    "cell_voltage_average": CELL_VOLTAGE,
    "balance_current": BALANCE_CURRENT,
    "max_balance_current": (0.0, BALANCE_CURRENT[1]),
    "cycles": CYCLES,
    "cycle_capacity_total": (0.0, CYCLES[1] * CAPACITY[1]),
    **dict.fromkeys(("run_time", "operating_time_total"), LIFETIME),
    "power_on_count": (0.0, 1e6),
    **dict.fromkeys(("smart_sleep_voltage", "cell_undervoltage_protection", "cell_undervoltage_recovery",
                     "cell_overvoltage_protection", "cell_overvoltage_recovery", "cell_soc100_voltage",
                     "cell_soc0_voltage", "cell_charge_voltage", "cell_float_voltage", "power_off_voltage",
                     "balance_start_voltage"), CELL_SETTING),
    **dict.fromkeys(("balance_trigger_voltage", "cell_voltage_difference_protection"), (0.0, 1.0)),
    **dict.fromkeys(("total_overvoltage_protection", "total_undervoltage_protection"), PACK_VOLTAGE),
    **dict.fromkeys(("max_charge_current", "max_discharge_current", "discharge_overcurrent_protection",
                     "charge_overcurrent_protection"), CURRENT_LIMIT),
    **dict.fromkeys(("cell_overvoltage_delay", "cell_undervoltage_delay", "discharge_overcurrent_delay",
                     "charge_overcurrent_delay", "sleep_wait_time"), DELAY),
    **dict.fromkeys(("charge_overtemperature_protection", "discharge_overtemperature_protection",
                     "charge_undertemperature_protection", "mos_overtemperature_protection",
                     "mos_overtemperature_recovery", "box_overtemperature_protection", "box_overtemperature_recovery",
                     "charge_undertemperature_recovery", "discharge_undertemperature_protection",
                     "discharge_undertemperature_recovery"), TEMPERATURE),
    "temperature_difference_protection": (0.0, TEMPERATURE[1] - TEMPERATURE[0]),
    **dict.fromkeys(("cell_count", "cell_count_total"), CELL_COUNT),
    "temperature_sensor_count": (0.0, len(SENSORS)),
    "low_capacity_alarm": PERCENT,
    # Addresses and calibration figures: the range their fields can hold.
    "device_address": (0.0, 15.0),
    "board_address": (0.0, 0xFF),
    "current_calibration": (0.0, 0xFFFF * 0.001),
    "current_calibration_start": (0.0, 0xFF),
    "protocol_version": (0.0, 1.0),  # the current's encoding is known for versions 0 and 1 only
}

# Values one reading holds that must agree (`Catalogue.check`); the byte-sum checksums of the 0x55AA and 4E57
# frames pass two swapped bytes, these do not.
RULES = (
    AtMost("capacity_remaining", "capacity_full", factor=1.05),
    Share("soc", "capacity_remaining", "capacity_full", points=5.0),
    SumOf("cell_voltages", "voltage"),
    Product("voltage", "current", "power"),
    Extremes(),
    AtMost("cell_voltage_min", "cell_voltage_average"),
    AtMost("cell_voltage_average", "cell_voltage_max"),
    AtMost("cell_voltage_min_index", "cell_voltages"),
    AtMost("cell_voltage_max_index", "cell_voltages"),
    AtMost("cell_count", "cell_count_total"),
    AtMost("cell_count", "cell_voltages"),
    # A BMS cuts the current off above its protection limit; twice the limit (and 5 A) is a misread.
    AtMost("current", "charge_overcurrent_protection", factor=2.0, slack=5.0),
    AtMost("current", "discharge_overcurrent_protection", factor=2.0, slack=5.0, sign=-1.0),
    # Protection below its recovery, over-voltage above under-voltage.
    AtMost("power_off_voltage", "cell_undervoltage_protection"),
    AtMost("cell_undervoltage_protection", "cell_undervoltage_recovery"),
    AtMost("cell_undervoltage_recovery", "cell_overvoltage_recovery"),
    AtMost("cell_overvoltage_recovery", "cell_overvoltage_protection"),
    AtMost("total_undervoltage_protection", "total_overvoltage_protection"),
    AtMost("mos_overtemperature_recovery", "mos_overtemperature_protection"),
    AtMost("box_overtemperature_recovery", "box_overtemperature_protection"),
    AtMost("charge_undertemperature_protection", "charge_undertemperature_recovery"),
    AtMost("discharge_undertemperature_protection", "discharge_undertemperature_recovery"),
)

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
    capabilities=Capabilities(charge_switch=Switch("charge_enabled", on="on", off="off"),
                              discharge_switch=Switch("discharge_enabled", on="on", off="off")),
    metrics=Catalogue(
        note("soc", role="battery_soc", device_class="battery", label="SoC", valid=PERCENT),
        note("soh", valid=PERCENT),
        note("voltage", role="battery_voltage", label="U", valid=PACK_VOLTAGE),
        note("current", role="battery_current", label="I", valid=PACK_CURRENT),
        Metric("power", "W", precision=0, role="battery_power", label="P", valid=PACK_POWER),  # measured at the battery: first choice
        Metric("temperature", "°C", precision=1, role="temperature", label="T", valid=TEMPERATURE),  # first battery sensor
        Metric("temperatures", "°C", "list", precision=1, valid=TEMPERATURE),  # every battery sensor present
        *(note(name, valid=TEMPERATURE) for name in SENSORS),
        Metric("cell_voltages", "V", "list", precision=3, role="cell_voltages", valid=CELL_VOLTAGE),
        *(Metric(f"cell_voltage_{stat}", "V", precision=3, valid=CELL_VOLTAGE) for stat in ("min", "max")),
        Metric("cell_voltage_delta", "V", precision=3, valid=(0.0, CELL_VOLTAGE[1])),
        Metric("cell_voltage_min_index", precision=0, valid=CELL_INDEX),  # 1-based
        Metric("cell_voltage_max_index", precision=0, valid=CELL_INDEX),
        Metric("balancer_active", kind="on_off"),
        note("charge_mosfet", kind="on_off"),
        note("discharge_mosfet", kind="on_off"),
        Metric("averaged_reads", precision=0, valid=(1.0, 10.0)),  # how many reads the voltage and current are the mean of
        sources=("solarctl.devices.jk.registers:JK_PB", "solarctl.devices.jk.proto4e57:FIELDS"),
        # Raw fields the driver turns into the metrics above.
        internal=(*(f"cell_voltage_{i:02d}" for i in range(1, 33)), "cell_present", "temperature_sensors",
                  "password", "status"),
        valid=VALID,
        rules=RULES,
    ),
)
