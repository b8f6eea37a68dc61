"""MUST PV1800 (also PH1800/EP1800) register map, vendor protocol 1.04.15, as data.

Modbus RTU slave 4, 19200 8N1, FC03 reads, FC06 writes; decimal register numbers go on the wire
as they are. Sources: the vendor spreadsheet (stock and alpet83's "extended" copy, exported as
reference/must-jk/pv1800_*_registers_*.csv), checked against mukaschultze/ha-must-inverter
(HA), alebastrov's ESPHome config and alpet83's pv1800_ctrl.py (notes-must-jk.md §2).

Where the sources disagree:
- AC currents 25209-25212, powers 25213-25215/25217-25219/25221-25223 and the battery power and
  current 25273/25274 are signed 16-bit: HA decodes them int16 and ESPHome S_WORD; the vendor
  sheet gives no sign and alpet83 reads the currents unsigned and 25273 as x0.01 unsigned, which
  notes §11.10 records as his bugs. Their sign convention is settled in derived.py.
- 25216 load percent is a plain % (HA, ESPHome), although the sheet's unit column says "0.01".
- 20105 (grid connection) is in alpet83's extended sheet only; HA knows it as
  InverterOngridWorkEnable.
- Enumerations are the PV/PH 48 V ones; EP models label 20109/20112/20143 differently.

Never read 20016-20100 or 10009-10100 (HA: a block read there shuts the inverter down until it is
power-cycled): they are forbidden spans, so the planner cannot touch them; register 20016 (load
current calibration) lies in that span and is left out. Calibration coefficients (20009-20015,
10006-10008) cannot be restored once overwritten: they are read-only here, as are the one-shot
commands 10112/10124/20213/20214 (clear counters, equalise now, factory reset), which are not
settings and are left out. 20142 (system setting bits) is read-only: writing it needs a
read-modify-write of single bits, which is not a plain setting.
"""

from __future__ import annotations

from solarctl.devices.must_pv1800 import alarms
from solarctl.registers.model import Register, RegisterMap

ON_OFF = {0: "off", 1: "on"}
RELAY = {0: "disconnected", 1: "connected"}

# 25201 work state; derived.py reads on_grid from these texts.
WORK_STATES = {0: "PowerOn", 1: "SelfTest", 2: "OffGrid", 3: "Grid-Tie", 4: "ByPass", 5: "Stop", 6: "Grid charging"}

# 48 V PV/PH enumerations (vendor sheet).
ENERGY_USE_MODES = {1: "SBU", 2: "SUB", 3: "UTI", 4: "SOL"}
GRID_PROTECT_STANDARDS = {0: "VDE4105", 1: "UPS", 2: "home", 3: "GEN"}
SOLAR_USE_AIMS = {0: "LBU", 1: "BLU"}
CHARGER_SOURCE_PRIORITIES = {0: "Solar first", 2: "Solar and Utility", 3: "Only Solar"}
SOLAR_POWER_BALANCE = {0: "SBD", 1: "SBE"}
BATTERY_TYPES = {0: "none", 1: "user defined", 2: "lithium", 3: "sealed lead", 4: "AGM", 5: "GEL", 6: "flooded"}


def _energy(name: str, address: int, description: str) -> Register:
    """Accumulator: high register x 1000 kWh + low register x 0.1 kWh."""
    return Register(name, address, "u32", word_base=10000, scale=0.1, unit="kWh", description=description)


def _setting(name: str, address: int, scale: float, unit: str, lo: float, hi: float, description: str, setting: str | None = None) -> Register:
    return Register(name, address, "u16", scale=scale, unit=unit, writable=True, min=lo, max=hi, setting=setting, group="slow", description=description)


def _choice(name: str, address: int, enum: dict[int, str], description: str, setting: str | None = None,
            cuts_power: tuple[str, ...] = ()) -> Register:
    return Register(name, address, "u16", enum=enum, writable=True, setting=setting, group="slow", description=description,
                    cuts_power=cuts_power)


def _calibration(name: str, address: int) -> Register:
    return Register(name, address, "s16", group="once", description="calibration coefficient, base 16384, -1 = none; never written")


_IDENTITY = (
    Register("machine_type", 20000, "str", length=2, group="once", description='"PV", "PH" or "EP"'),
    Register("machine_rating", 20001, "u16", group="once", description="1800"),
    Register("serial_number", 20002, "u32", group="once"),
    Register("hardware_version", 20004, "u16", group="once"),
    Register("software_version", 20005, "u16", group="once"),
    Register("protocol_version", 20006, "u16", group="once"),
    _calibration("battery_voltage_calibration", 20009),
    _calibration("inverter_voltage_calibration", 20010),
    _calibration("grid_voltage_calibration", 20011),
    _calibration("bus_voltage_calibration", 20012),
    _calibration("control_current_calibration", 20013),
    _calibration("inverter_current_calibration", 20014),
    _calibration("grid_current_calibration", 20015),
    Register("charger_machine_type", 10001, "u16", group="once"),
    Register("charger_serial_number", 10002, "u32", group="once", description="the sheet says WR; read-only in practice (alpet83)"),
    Register("charger_hardware_version", 10004, "u16", group="once"),
    Register("charger_software_version", 10005, "u16", group="once"),
    _calibration("pv_voltage_calibration", 10006),
    _calibration("charger_battery_voltage_calibration", 10007),
    _calibration("charger_current_calibration", 10008),
)

_INVERTER_SETTINGS = (
    _choice("offgrid_output", 20101, ON_OFF, "inverter output on while the grid is off", cuts_power=("off",)),
    _setting("output_voltage", 20102, 0.1, "V", 220.0, 240.0, "inverter output voltage"),
    _choice("output_frequency", 20103, {5000: "50 Hz", 6000: "60 Hz"}, "inverter output frequency"),
    _choice("search_mode", 20104, ON_OFF, "low-load search (standby) mode"),
    _choice("grid_connection", 20105, {0: "off-grid", 1: "on-grid"}, "ONGrid switch: off-grid = detached from the grid, PV and battery only"),
    _choice("discharge_to_grid", 20108, ON_OFF, "let the inverter discharge the battery into the grid"),
    _choice("energy_use_mode", 20109, ENERGY_USE_MODES, "output source priority"),
    _choice("grid_protect_standard", 20111, GRID_PROTECT_STANDARDS, "AC input voltage range"),
    _choice("solar_use_aim", 20112, SOLAR_USE_AIMS, "solar supply priority: load first or battery first"),
    _setting("max_discharge_current", 20113, 0.1, "A", 1.0, 21.7, "inverter max discharger current (AC); limits export", setting="export_current_limit"),
    _setting("battery_stop_discharge_voltage", 20118, 0.1, "V", 44.0, 58.0, "battery stop discharging voltage (grid available)"),
    _setting("battery_stop_charge_voltage", 20119, 0.1, "V", 44.0, 58.0, "battery stop charging voltage (grid available)"),
    _setting("grid_max_charge_current", 20125, 0.1, "A", 1.0, 80.0, "grid max charger current (DC)", setting="grid_charge_current_limit"),
    _setting("battery_low_voltage", 20127, 0.1, "V", 40.0, 48.0, "low DC cut-off voltage"),
    _setting("battery_high_voltage", 20128, 0.1, "V", 58.0, 60.0, "battery high voltage"),
    _setting("max_charge_current", 20132, 0.1, "A", 1.0, 140.0, "max combined (grid + PV) charger current (DC)"),
    Register("system_setting", 20142, "u16", bits=alarms.SYSTEM_SETTING, flags="state", group="slow"),
    _choice("charger_source_priority", 20143, CHARGER_SOURCE_PRIORITIES, "charger source priority"),
    _choice("solar_power_balance", 20144, SOLAR_POWER_BALANCE, "solar power balance"),
)

_CHARGER_SETTINGS = (
    _setting("float_voltage", 10103, 0.1, "V", 48.0, 58.4, "float charging voltage"),
    _setting("absorption_voltage", 10104, 0.1, "V", 48.0, 58.4, "absorption (bulk) charging voltage"),
    _setting("charger_battery_low_voltage", 10105, 0.1, "V", 34.0, 44.0, "battery low voltage (PV charger)"),
    _setting("charger_battery_high_voltage", 10107, 0.1, "V", 58.0, 60.0, "battery high voltage (PV charger)"),
    _setting("pv_max_charge_current", 10108, 0.1, "A", 0.0, 80.0, "PV max charger current"),
    _choice("battery_type", 10110, BATTERY_TYPES, "battery type"),
    _setting("battery_capacity", 10111, 1, "Ah", 0, 900, "battery capacity"),
    _choice("equalization", 10118, ON_OFF, "battery equalisation"),
    _setting("equalization_voltage", 10119, 0.1, "V", 48.0, 64.0, "battery equalisation voltage (48 V model)"),
    _setting("equalization_time", 10121, 60, "s", 300, 54000, "battery equalised time (5-900 min)"),
    _setting("equalization_timeout", 10122, 60, "s", 300, 54000, "battery equalised timeout (5-900 min)"),
    _setting("equalization_interval", 10123, 86400, "s", 0, 7776000, "equalisation interval (0-90 days)"),
)

_CHARGER_REALTIME = (
    Register("charger_work_state", 15201, "u16", enum={0: "Initialization", 1: "Selftest", 2: "Work", 3: "Stop"}),
    Register("mppt_state", 15202, "u16", enum={0: "Stop", 1: "MPPT", 2: "Current limiting"}),
    Register("charging_state", 15203, "u16", enum={0: "Stop", 1: "Absorb", 2: "Float", 3: "EQ"}),
    Register("pv_voltage", 15205, "u16", scale=0.1, unit="V"),
    Register("charger_battery_voltage", 15206, "u16", scale=0.1, unit="V"),
    Register("pv_charge_current", 15207, "u16", scale=0.1, unit="A", description="PV charger output (battery side)"),
    Register("pv_power", 15208, "u16", unit="W", description="PV charger power"),
    Register("charger_radiator_temperature", 15209, "s16", unit="°C"),
    Register("charger_external_temperature", 15210, "s16", unit="°C"),
    Register("charger_battery_relay", 15211, "u16", enum=RELAY),
    Register("pv_relay", 15212, "u16", enum=RELAY),
    Register("charger_errors", 15213, "u16", bits=alarms.CHARGER_ERRORS, flags="fault"),
    Register("charger_warnings", 15214, "u16", bits=alarms.CHARGER_WARNINGS, flags="warning"),
    Register("charger_battery_voltage_grade", 15215, "u16", unit="V"),
    Register("charger_rated_current", 15216, "u16", scale=0.1, unit="A"),
    _energy("energy_pv_total", 15217, "accumulated PV power"),
    # Accumulated charger run time as days / hours / minutes; derived.py adds them up.
    Register("charger_time_days", 15219, "u16", scale=86400, unit="s"),
    Register("charger_time_hours", 15220, "u16", scale=3600, unit="s"),
    Register("charger_time_minutes", 15221, "u16", scale=60, unit="s"),
)

_INVERTER_REALTIME = (
    Register("work_state", 25201, "u16", enum=WORK_STATES),
    Register("ac_voltage_grade", 25202, "u16", unit="V", group="once"),
    Register("rated_apparent_power", 25203, "u16", unit="VA", group="once"),
    Register("battery_voltage", 25205, "u16", scale=0.1, unit="V"),
    Register("inverter_voltage", 25206, "u16", scale=0.1, unit="V"),
    Register("grid_voltage", 25207, "u16", scale=0.1, unit="V"),
    Register("bus_voltage", 25208, "u16", scale=0.1, unit="V"),
    Register("control_current", 25209, "s16", scale=0.1, unit="A"),
    Register("inverter_current", 25210, "s16", scale=0.1, unit="A"),
    Register("grid_current", 25211, "s16", scale=0.1, unit="A"),
    Register("load_current", 25212, "s16", scale=0.1, unit="A"),
    Register("inverter_power", 25213, "s16", unit="W"),
    Register("grid_power", 25214, "s16", unit="W", description="reads 0 while exporting; derived.py fills it in"),
    Register("load_power", 25215, "s16", unit="W"),
    Register("load_percent", 25216, "u16", unit="%"),
    Register("inverter_apparent_power", 25217, "s16", unit="VA"),
    Register("grid_apparent_power", 25218, "s16", unit="VA"),
    Register("load_apparent_power", 25219, "s16", unit="VA"),
    Register("inverter_reactive_power", 25221, "s16", unit="var"),
    Register("grid_reactive_power", 25222, "s16", unit="var"),
    Register("load_reactive_power", 25223, "s16", unit="var"),
    Register("inverter_frequency", 25225, "u16", scale=0.01, unit="Hz"),
    Register("grid_frequency", 25226, "u16", scale=0.01, unit="Hz"),
    Register("parallel_max_number", 25229, "u16", group="once"),
    Register("parallel_combine_type", 25230, "u16", group="once"),
    Register("parallel_number", 25231, "u16", group="once"),
    Register("ac_radiator_temperature", 25233, "s16", unit="°C"),
    Register("transformer_temperature", 25234, "s16", unit="°C"),
    Register("dc_radiator_temperature", 25235, "s16", unit="°C"),
    Register("inverter_relay", 25237, "u16", enum=RELAY),
    Register("grid_relay", 25238, "u16", enum=RELAY),
    Register("load_relay", 25239, "u16", enum=RELAY),
    Register("neutral_relay", 25240, "u16", enum=RELAY),
    Register("dc_relay", 25241, "u16", enum=RELAY),
    Register("earth_relay", 25242, "u16", enum=RELAY),
    _energy("energy_battery_charge_total", 25245, "accumulated charger power"),
    _energy("energy_battery_discharge_total", 25247, "accumulated discharger power"),
    _energy("energy_grid_import_total", 25249, "accumulated buy power"),
    _energy("energy_grid_export_total", 25251, "accumulated sell power"),
    _energy("energy_load_total", 25253, "accumulated load power"),
    _energy("energy_self_use_total", 25255, "accumulated self-use power"),
    _energy("energy_pv_export_total", 25257, "accumulated PV sell power"),
    _energy("energy_grid_charge_total", 25259, "accumulated grid charger power"),
    Register("inverter_errors_1", 25261, "u16", bits=alarms.INVERTER_ERRORS_1, flags="fault"),
    Register("inverter_errors_2", 25262, "u16", bits=alarms.INVERTER_ERRORS_2, flags="fault"),
    Register("inverter_errors_3", 25263, "u16", bits=alarms.INVERTER_ERRORS_3, flags="fault"),
    Register("inverter_warnings_1", 25265, "u16", bits=alarms.INVERTER_WARNINGS_1, flags="warning"),
    Register("inverter_warnings_2", 25266, "u16", bits=alarms.INVERTER_WARNINGS_2, flags="warning"),
    Register("inverter_serial_number", 25269, "u32", group="once"),
    Register("inverter_hardware_version", 25271, "u16", group="once"),
    Register("inverter_software_version", 25272, "u16", group="once"),
    Register("battery_power", 25273, "s16", unit="W", description="sign settled in derived.py"),
    Register("battery_current", 25274, "s16", unit="A", description="1 A resolution; sign settled in derived.py"),
    Register("battery_voltage_grade", 25275, "u16", unit="V", group="once"),
    Register("rated_power", 25277, "u16", unit="W", group="once"),
    Register("inverter_protocol_version", 25278, "u16", group="once"),
    # Bits 0-5 are flags, 6-7 and 8-9 two-bit directions (see derived.py): kept as the raw number.
    Register("arrow_flags", 25279, "u16"),
)

PV1800 = RegisterMap(
    "must_pv1800",
    _IDENTITY + _INVERTER_SETTINGS + _CHARGER_SETTINGS + _CHARGER_REALTIME + _INVERTER_REALTIME,
    forbidden=((20016, 20100), (10009, 10100)),
)

SLAVE_ID = 4
BAUD_RATE = 19200
