"""JK PB BMS (PB2A16S20P family) register map, as data.

Source: the official "极空BMS RS485 Modbus通用协议" V1.0 / V1.1 (reference/must-jk/
JK_PB_BMS_RS485_Modbus_V1.*.pdf and their .extracted.txt), which lists each field as an area
("address field") plus a byte offset. How that maps onto the wire, from the published material
(notes-must-jk.md §3.5, syssi/esphome-jk-bms esp32-jk-pb-modbus-example.yaml, and the
dbus-serialbattery / ESP32 write-ups of the PB bus protocol):

- The live data sits at 0x1200 + offset in practice (cells at 0x1200, pack voltage at 0x1290),
  not at 0x1000 + offset: 0x1000 is the settings area, 0x1400 device info, 0x1600 commands.
- The device is byte-addressed: a field's Modbus address is area + byte offset, and reading N
  registers at address A returns the 2N bytes from offset A ("no gaps" - syssi). So this map is
  byte_addressed and two 8-bit fields share one register pair (e.g. 0x12A6 balancer state /
  0x12A7 SOC, 0x12C0 charge MOS / 0x12C1 discharge MOS).
- FC03 answers are big-endian with the high word of a 32-bit value first (msb_first): the spec's
  FC03 example sends each register high byte first, and the published switch write
  "04 10 10 78 00 02 04 00 00 00 01" puts the value 1 in the last byte. The 0x55AA frames of the
  PB bus protocol carry the same areas little-endian (lsb_first) - see pb_bus.py.

Cell min/max/delta and their indices are not read from the BMS's own CellVdifMax/
MaxVolCellNbr/MinVolCellNbr fields: battery.py derives them from the cell voltages, the same way
for all three JK protocols (the 4E57 protocol has no such fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from solarctl.registers.model import Register, RegisterMap

SETTINGS_AREA = 0x1000
LIVE_AREA = 0x1200
INFO_AREA = 0x1400

ON_OFF = {0: "off", 1: "on"}
CELLS = 32

# 0x12A0 alarm bits, V1.1 names (bits 22-23 added in V1.1).
ALARMS = {
    0: "balance wire resistance too high",
    1: "MOS over-temperature protection",
    2: "cell count does not match the setting",
    3: "current sensor error",
    4: "cell over-voltage protection",
    5: "battery over-voltage protection",
    6: "charge over-current protection",
    7: "charge short-circuit protection",
    8: "charge over-temperature protection",
    9: "charge under-temperature protection",
    10: "internal communication error",
    11: "cell under-voltage protection",
    12: "battery under-voltage protection",
    13: "discharge over-current protection",
    14: "discharge short-circuit protection",
    15: "discharge over-temperature protection",
    16: "charge MOS fault",
    17: "discharge MOS fault",
    18: "GPS disconnected",
    19: "change the authorisation password",
    20: "discharge switch-on failed",
    21: "battery over-temperature alarm",
    22: "temperature sensor anomaly",
    23: "parallel current-limit module anomaly",
}
ALARMS.update({bit: f"alarm bit {bit} (reserved)" for bit in range(24, 32)})

# 0x1114 control bits (bits 7-9 added in V1.1).
CONTROL_BITS = {
    0: "heating",
    1: "temperature sensors disabled",
    2: "GPS heartbeat",
    3: "port is RS485 (clear: CAN)",
    4: "display always on",
    5: "special charger",
    6: "smart sleep",
    7: "parallel current limit disabled",
    8: "timed data storage",
    9: "charging float mode",
}
CONTROL_BITS.update({bit: f"control bit {bit} (reserved)" for bit in range(10, 16)})

# 0x12D0: bit n set = that temperature sensor is present (V1.1: bit3 is T3).
SENSOR_BITS = {"temperature_mos": 0, "temperature_1": 1, "temperature_2": 2, "temperature_3": 3, "temperature_4": 4, "temperature_5": 5}


def _live(name: str, offset: int, type: str, scale: float = 1.0, unit: str = "", **kw: Any) -> Register:
    return Register(name, LIVE_AREA + offset, type, scale=scale, unit=unit, **kw)


def _setting(name: str, offset: int, type: str = "u32", scale: float = 1.0, unit: str = "") -> Register:
    return Register(name, SETTINGS_AREA + offset, type, scale=scale, unit=unit, group="slow")


def _switch(name: str, offset: int) -> Register:
    return Register(name, SETTINGS_AREA + offset, "u32", enum=ON_OFF, writable=True, group="slow")


def _info(name: str, offset: int, type: str, length: int = 0, unit: str = "") -> Register:
    return Register(name, INFO_AREA + offset, type, length=length, unit=unit, group="once")


_LIVE = tuple(_live(f"cell_voltage_{i + 1:02d}", 2 * i, "u16", 0.001, "V") for i in range(CELLS)) + (
    _live("cell_present", 0x40, "u32", description="bit n set = cell n+1 present"),
    _live("cell_voltage_average", 0x44, "u16", 0.001, "V"),
    _live("temperature_mos", 0x8A, "s16", 0.1, "°C"),
    _live("voltage", 0x90, "u32", 0.001, "V"),
    _live("current", 0x98, "s32", 0.001, "A", description="positive = charging"),
    _live("temperature_1", 0x9C, "s16", 0.1, "°C"),
    _live("temperature_2", 0x9E, "s16", 0.1, "°C"),
    _live("alarms", 0xA0, "u32", bits=ALARMS, flags="fault"),
    _live("balance_current", 0xA4, "s16", 0.001, "A"),
    _live("balancer_state", 0xA6, "u8", enum={0: "off", 1: "charging", 2: "discharging"}),
    _live("soc", 0xA7, "u8", unit="%"),
    _live("capacity_remaining", 0xA8, "s32", 0.001, "Ah"),
    _live("capacity_full", 0xAC, "u32", 0.001, "Ah"),
    _live("cycles", 0xB0, "u32"),
    _live("cycle_capacity_total", 0xB4, "u32", 0.001, "Ah"),
    _live("soh", 0xB8, "u8", unit="%"),
    _live("precharge", 0xB9, "u8", enum=ON_OFF),
    _live("run_time", 0xBC, "u32", unit="s"),
    _live("charge_mosfet", 0xC0, "u8", description="1 = on"),
    _live("discharge_mosfet", 0xC1, "u8", description="1 = on"),
    _live("temperature_sensors", 0xD0, "u8", description="bit n set = sensor present, see SENSOR_BITS"),
    _live("heating", 0xD1, "u8", enum=ON_OFF),
    _live("temperature_3", 0xF8, "s16", 0.1, "°C"),
    _live("temperature_4", 0xFA, "s16", 0.1, "°C"),
    _live("temperature_5", 0xFC, "s16", 0.1, "°C"),
)

# The JK02_24S live frame (0x55AA type 02) of the older BMSs (JK-B2A24S, JK-B2A8S, JK-BD6A20S; firmware 10.x):
# 24 cells, no sensor mask, then everything from the pack voltage on 32 bytes earlier than in the 32-cell frame,
# with the MOS temperature and a 16-bit alarm word where the 32-cell frame has other fields. Offsets from
# syssi/esphome-jk-bms's JK02_24S decoder (frame offset - 6), checked against its published frames (SOURCES.md).
CELLS_24S = 24
# 0x1282 read high byte first by that decoder; bit n of its big-endian word is bit (n + 8) % 16 of ours.
ALARMS_24S = {(n + 8) % 16: name for n, name in {
    0: "charge over-temperature", 1: "charge under-temperature", 3: "cell under-voltage",
    10: "cell count does not match the setting", 11: "current sensor error", 12: "cell over-voltage",
    14: "charge over-current protection"}.items()}
ALARMS_24S.update({bit: f"alarm bit {bit} (meaning unknown)" for bit in range(16) if bit not in ALARMS_24S})

_LIVE_24S = tuple(_live(f"cell_voltage_{i + 1:02d}", 2 * i, "u16", 0.001, "V") for i in range(CELLS_24S)) + (
    _live("cell_present", 0x30, "u32", description="bit n set = cell n+1 present"),
    _live("cell_voltage_average", 0x34, "u16", 0.001, "V"),
    _live("voltage", 0x70, "u32", 0.001, "V"),
    _live("current", 0x78, "s32", 0.001, "A", description="positive = charging"),
    _live("temperature_1", 0x7C, "s16", 0.1, "°C"),
    _live("temperature_2", 0x7E, "s16", 0.1, "°C"),
    _live("temperature_mos", 0x80, "s16", 0.1, "°C"),
    _live("alarms", 0x82, "u16", bits=ALARMS_24S, flags="fault"),
    _live("balance_current", 0x84, "s16", 0.001, "A"),
    _live("balancer_state", 0x86, "u8", enum={0: "off", 1: "charging", 2: "discharging"}),
    _live("soc", 0x87, "u8", unit="%"),
    _live("capacity_remaining", 0x88, "s32", 0.001, "Ah"),
    _live("capacity_full", 0x8C, "u32", 0.001, "Ah"),
    _live("cycles", 0x90, "u32"),
    _live("cycle_capacity_total", 0x94, "u32", 0.001, "Ah"),
    _live("soh", 0x98, "u8", unit="%"),
    _live("precharge", 0x99, "u8", enum=ON_OFF),
    _live("run_time", 0x9C, "u32", unit="s"),
    _live("charge_mosfet", 0xA0, "u8", description="1 = on"),
    _live("discharge_mosfet", 0xA1, "u8", description="1 = on"),
    _live("heating", 0xDA, "u8", enum=ON_OFF),
)


@dataclass(frozen=True)
class LiveLayout:
    """One layout of the live area: its registers, how many cells it has room for, and which temperature sensors
    it carries (None: the `temperature_sensors` mask says)."""

    name: str
    registers: tuple[Register, ...]
    cells: int
    sensors: tuple[str, ...] | None = None


_SETTINGS = (
    _setting("smart_sleep_voltage", 0x00, scale=0.001, unit="V"),
    _setting("cell_undervoltage_protection", 0x04, scale=0.001, unit="V"),
    _setting("cell_undervoltage_recovery", 0x08, scale=0.001, unit="V"),
    _setting("cell_overvoltage_protection", 0x0C, scale=0.001, unit="V"),
    _setting("cell_overvoltage_recovery", 0x10, scale=0.001, unit="V"),
    _setting("balance_trigger_voltage", 0x14, scale=0.001, unit="V"),
    _setting("cell_soc100_voltage", 0x18, scale=0.001, unit="V"),
    _setting("cell_soc0_voltage", 0x1C, scale=0.001, unit="V"),
    _setting("cell_charge_voltage", 0x20, scale=0.001, unit="V"),
    _setting("cell_float_voltage", 0x24, scale=0.001, unit="V"),
    _setting("power_off_voltage", 0x28, scale=0.001, unit="V"),
    _setting("max_charge_current", 0x2C, scale=0.001, unit="A"),
    _setting("max_discharge_current", 0x38, scale=0.001, unit="A"),
    _setting("max_balance_current", 0x48, scale=0.001, unit="A"),
    _setting("charge_overtemperature_protection", 0x4C, "s32", 0.1, "°C"),
    _setting("discharge_overtemperature_protection", 0x54, "s32", 0.1, "°C"),
    _setting("charge_undertemperature_protection", 0x5C, "s32", 0.1, "°C"),
    _setting("mos_overtemperature_protection", 0x64, "s32", 0.1, "°C"),
    _setting("cell_count", 0x6C),
    _switch("charge_enabled", 0x70),
    _switch("discharge_enabled", 0x74),
    _switch("balancer_enabled", 0x78),
    _setting("design_capacity", 0x7C, scale=0.001, unit="Ah"),
    _setting("balance_start_voltage", 0x84, scale=0.001, unit="V"),
    _setting("device_address", 0x108),
    Register("control_switches", SETTINGS_AREA + 0x114, "u16", bits=CONTROL_BITS, flags="state", group="slow"),
)

_INFO = (
    _info("device_model", 0x00, "str", 16),
    _info("hardware_version", 0x10, "str", 8),
    _info("software_version", 0x18, "str", 8),
    _info("operating_time_total", 0x20, "u32", unit="s"),
    _info("power_on_count", 0x24, "u32"),
    # Not in the official map; offsets from syssi/esphome-jk-bms's device-info decoder, checked against the published
    # frames of firmware 10.07, 14.20, 15.38 and 19.27 (0x28 is the user's device name: "JK_PB2A16new" on one).
    _info("device_name", 0x28, "str", 16),
    _info("manufacture_date", 0x48, "str", 8),
    _info("serial_number", 0x50, "str", 16),
)

# "~40 registers per read work, 128 fail" (dbus-serialbattery tests on a PB bus): stay at 40.
JK_PB = RegisterMap("jk_pb", _LIVE + _SETTINGS + _INFO, byte_addressed=True, max_block=40)

# The live layouts a 0x55AA frame may carry, told apart by the frame itself (battery.layout_mismatch).
JK02_32S = LiveLayout("JK02_32S", _LIVE, CELLS)
JK02_24S = LiveLayout("JK02_24S", _LIVE_24S, CELLS_24S, sensors=("temperature_1", "temperature_2"))
LIVE_LAYOUTS = (JK02_32S, JK02_24S)

BAUD_RATE = 115200
