"""One parser per console command: a framed `Answer` -> a JSON-safe dict in SI units.

Each dict has `"command"`; tables also have `"columns"` ({metric: console column}) so messages can
name what the console printed. Columns and labels this code does not know are kept, as raw text,
under their snake_case name. Known columns are listed once, as data, below.
"""

from __future__ import annotations

import re
from typing import Any

from solarctl.devices.pylontech.errors import ConsoleParseError
from solarctl.devices.pylontech.framing import Answer
from solarctl.devices.pylontech.tables import Field, parse_block, parse_table
from solarctl.devices.pylontech.values import (
    CELL_INDEX, CHARGE, FLAG, HEX, INTEGER, MEASURED_OR_RAW, MILLI, MILLIAMPERE_SECONDS, PERCENT,
    SOC_AND_CHARGE, SPECIFICATION, TIMESTAMP, WORD, WORDS, measured, parse_timestamp, parse_word, with_unit,
)

PWR_FIELDS = {
    "Power": Field("index", INTEGER),
    "Volt": Field("voltage", MILLI),
    "Curr": Field("current", MILLI),
    "Tempr": Field("temperature", MILLI),
    "Tlow": Field("temperature_min", MILLI),
    "Thigh": Field("temperature_max", MILLI),
    "Vlow": Field("cell_voltage_min", MILLI),
    "Vhigh": Field("cell_voltage_max", MILLI),
    "Tlow.Id": Field("temperature_min_id", INTEGER),
    "Thigh.Id": Field("temperature_max_id", INTEGER),
    "Vlow.Id": Field("cell_voltage_min_id", INTEGER),
    "Vhigh.Id": Field("cell_voltage_max_id", INTEGER),
    "Base.St": Field("base_state", WORD),
    "Volt.St": Field("voltage_state", WORD),
    "Curr.St": Field("current_state", WORD),
    "Temp.St": Field("temperature_state", WORD),
    "Coulomb": Field("soc", PERCENT),
    "Time": Field("time", TIMESTAMP),
    "B.V.St": Field("battery_voltage_state", WORD),
    "B.T.St": Field("battery_temperature_state", WORD),
    "MosTempr": Field("mos_temperature", MILLI),
    "M.T.St": Field("mos_temperature_state", WORD),
    "SysAlarm.St": Field("system_alarm_state", WORD),
}
PWR_REQUIRED = (
    "Power", "Volt", "Curr", "Tempr", "Vlow", "Vhigh", "Base.St", "Volt.St", "Curr.St", "Temp.St", "Coulomb",
)

BAT_FIELDS = {
    "Battery": Field("index", CELL_INDEX),
    "Volt": Field("voltage", MILLI),
    "Curr": Field("current", MILLI),
    "Tempr": Field("temperature", MILLI),
    "Base State": Field("base_state", WORD),
    "Volt. State": Field("voltage_state", WORD),
    "Curr. State": Field("current_state", WORD),
    "Temp. State": Field("temperature_state", WORD),
    "SOC": Field("soc", PERCENT),
    "Coulomb": Field("remaining_charge", CHARGE),
    "BAL": Field("balancing", FLAG),
}
# B66.6 has no SOC column and prints `89%      42586 mAH` under `Coulomb`.
BAT_FIELDS_WITHOUT_SOC = {**BAT_FIELDS, "Coulomb": Field(("soc", "remaining_charge"), SOC_AND_CHARGE)}
# Some Pytes firmware prints no current column: a cell's current is the module's anyway.
BAT_REQUIRED = ("Battery", "Volt", "Tempr", "Base State", "Volt. State", "Temp. State")

SOH_FIELDS = {
    "Battery": Field("index", CELL_INDEX),
    "Voltage": Field("voltage", MILLI),
    "SOHCount": Field("soh_count", INTEGER),
    "SOHStatus": Field("soh_state", WORD),
}

PWR_MODULE_FIELDS = {
    "Power": Field("index", INTEGER),
    "Voltage": Field("voltage", with_unit(MILLI, "mV")),
    "Current": Field("current", with_unit(MILLI, "mA")),
    "Temperature": Field("temperature", with_unit(MILLI, "mC")),
    "Coulomb": Field("soc", with_unit(INTEGER, "%")),
    "Total Coulomb": Field("capacity", measured("mAH", "mAS")),
    "Remain Coulomb": Field("remaining_charge", measured("mAH", "mAS")),
    "Max Voltage": Field("max_voltage", with_unit(MILLI, "mV")),
    "Charge Times": Field("charge_times", INTEGER),
    "Basic Status": Field("base_state", WORD),
    "Charge Sec.": Field("charge_duration", with_unit(INTEGER, "s")),
    "Discharge Sec.": Field("discharge_duration", with_unit(INTEGER, "s")),
    "Volt Status": Field("voltage_state", WORD),
    "Current Status": Field("current_state", WORD),
    "Tmpr. Status": Field("temperature_state", WORD),
    "Coul. Status": Field("coulomb_state", WORD),
    "Soh. Status": Field("soh_state", WORD),
    "Heater Status": Field("heater_state", WORD),
    "Protect ENA": Field("protections_enabled", WORDS),
    "Bat Events": Field("battery_events", HEX),
    "Power Events": Field("power_events", HEX),
    "System Fault": Field("system_fault", HEX),
}
PWR_MODULE_REQUIRED = ("Power", "Voltage", "Current", "Temperature", "Coulomb", "Basic Status")

# High-voltage stacks (Force H2, SC series) answer `pwr` with a system summary of `Key : value unit`
# lines, as `pwrsys` prints it on low-voltage stacks. Labels not listed keep SI values by their unit.
SYSTEM_FIELDS = {
    "Total Num": Field("module_slots", INTEGER),
    "Present Num": Field("module_count", INTEGER),
    "Sleep Num": Field("modules_asleep", INTEGER),
    "System Volt": Field("voltage", measured("mV")),
    "System Curr": Field("current", measured("mA")),
    "System RC": Field("remaining_charge", measured("mAH", "mAS")),
    "System FCC": Field("capacity", measured("mAH", "mAS")),
    "System SOC": Field("soc", with_unit(INTEGER, "%")),
    "System SOH": Field("soh", with_unit(INTEGER, "%")),
    "Highest voltage": Field("cell_voltage_max", measured("mV")),
    "Average voltage": Field("cell_voltage_mean", measured("mV")),
    "Lowest voltage": Field("cell_voltage_min", measured("mV")),
    "Highest temperature": Field("temperature_max", measured("mC")),
    "Average temperature": Field("temperature", measured("mC")),
    "Lowest temperature": Field("temperature_min", measured("mC")),
}
SYSTEM_REQUIRED = ("System Volt", "System Curr", "System SOC")
_SYSTEM_STATE = re.compile(r"\s*System is (\w+)\s*")
_SYSTEM_TITLE = re.compile(r"\s*(Power System Information|-+)\s*")

# Labels not listed keep their text under their snake_case name (`Main Soft version` -> `main_soft_version`).
INFO_FIELDS = {
    "Device address": Field("device_address", INTEGER),
    "Specification": Field(("nominal_voltage", "capacity"), SPECIFICATION),
    "Cell Number": Field("cell_count", INTEGER),
    "Max Dischg Curr": Field("max_discharge_current", with_unit(MILLI, "mA", "")),
    "Max Charge Curr": Field("max_charge_current", with_unit(MILLI, "mA", "")),
    "EPONPort rate": Field("epon_port_rate", INTEGER),
    "Console Port rate": Field("console_port_rate", INTEGER),
}
INFO_REQUIRED = ("Device name", "Specification")

# Every `stat` value is a count; the unlisted ones keep their snake_case label (`Charge Cnt.` -> `charge_cnt`).
STAT_FIELDS = {
    "Device address": Field("device_address", INTEGER),
    "CYCLE Times": Field("cycle_count", INTEGER),
    "Pwr Percent": Field("soc", INTEGER),
    "Pwr Coulomb": Field("remaining_charge", MILLIAMPERE_SECONDS),
    "SOH": Field("soh", INTEGER),
}
STAT_REQUIRED = ("Device address", "CYCLE Times")

_TIME_LINE = re.compile(r"(?:(\S+) +)?([0-9]{4}-\S+ +\S+)")


def _module_argument(answer: Answer) -> int | None:
    """N of an echoed `bat N` / `soh N`; None without an echo or argument."""
    words = (answer.command or "").split()
    return int(words[1]) if len(words) > 1 and words[1].isdigit() else None


def is_system_summary(answer: Answer) -> bool:
    return any(line.text.split(":")[0].strip() == "System Volt" for line in answer.lines)


def parse_pwr(answer: Answer) -> dict[str, Any]:
    """`pwr`: one row per module slot; `Absent` slots have only `index` and `present: False`.

    A high-voltage stack's `pwr` is a system summary instead: `{"command", "system": {...}}`."""
    if is_system_summary(answer):
        return {"command": "pwr", "system": _parse_system(answer)}
    columns, rows = parse_table(answer.lines, PWR_FIELDS, PWR_REQUIRED, "pwr", absent_rows=True)
    modules = [{**row.values, "present": row.present} for row in rows]
    return {"command": "pwr", "columns": columns, "modules": modules}


def _parse_system(answer: Answer) -> dict[str, Any]:
    """Title and rule lines, `System is discharging`, then `Key : value unit` lines."""
    state = None
    block = []
    for line in answer.lines:
        if match := _SYSTEM_STATE.fullmatch(line.text):
            state = match.group(1)
        elif not _SYSTEM_TITLE.fullmatch(line.text):
            block.append(line)
    values = parse_block(block, SYSTEM_FIELDS, SYSTEM_REQUIRED, "pwr", default=MEASURED_OR_RAW)
    return {**values, "state": state}


def parse_pwr_module(answer: Answer) -> dict[str, Any]:
    """`pwr N`: the key/value block of one module (US2000C and later)."""
    lines = [line for line in answer.lines if set(line.text.strip()) != {"-"}]
    values = parse_block(lines, PWR_MODULE_FIELDS, PWR_MODULE_REQUIRED, "pwr", default=MEASURED_OR_RAW)
    return {"command": "pwr", **values}


def parse_bat(answer: Answer) -> dict[str, Any]:
    """`bat` / `bat N`: one row per cell of one module (N, or the master without N), or of the
    whole stack (high-voltage stacks). Rows mangled on the wire are `lost_rows` ({cell, line})."""
    has_soc = bool(answer.lines) and "SOC" in answer.lines[0].text.split()
    fields = BAT_FIELDS if has_soc else BAT_FIELDS_WITHOUT_SOC
    columns, rows = parse_table(answer.lines, fields, BAT_REQUIRED, "bat", lost=answer.mangled)
    row_lines = sorted([row.line.number for row in rows] + [line.number for line in answer.mangled])
    lost = [{"cell": row_lines.index(line.number) + 1, "line": line.number} for line in answer.mangled]
    return {"command": "bat", "module": _module_argument(answer), "columns": columns,
            "cells": [row.values for row in rows], "lost_rows": lost}


def parse_soh(answer: Answer) -> dict[str, Any]:
    """`soh` / `soh N`: a `Power N` line, then per-cell voltage and state-of-health counters."""
    if not answer.lines:
        raise ConsoleParseError("empty answer, expected 'Power N'", command="soh")
    module = parse_block(answer.lines[:1], {"Power": Field("module", INTEGER)}, ("Power",), "soh")
    columns, rows = parse_table(answer.lines[1:], SOH_FIELDS, tuple(SOH_FIELDS), "soh")
    return {"command": "soh", **module, "columns": columns, "cells": [row.values for row in rows]}


def parse_info(answer: Answer) -> dict[str, Any]:
    """`info` / `info N`: identity, versions, `Specification` (nominal V and capacity Ah), limits."""
    return {"command": "info", **parse_block(answer.lines, INFO_FIELDS, INFO_REQUIRED, "info")}


def parse_stat(answer: Answer) -> dict[str, Any]:
    """`stat` / `stat N`: lifetime counters; `remaining_charge` (Ah) from `Pwr Coulomb`."""
    return {"command": "stat", **parse_block(answer.lines, STAT_FIELDS, STAT_REQUIRED, "stat", default=INTEGER)}


def parse_time(answer: Answer) -> dict[str, Any]:
    """`time`: the module's clock, e.g. `Ds3231 2025-12-21 21:14:53` (the RTC chip, then the time)."""
    if len(answer.lines) != 1 or not (match := _TIME_LINE.fullmatch(answer.lines[0].text.strip())):
        line = answer.lines[0].number if answer.lines else None
        raise ConsoleParseError("expected one line like 'Ds3231 2025-12-21 21:14:53'", command="time", line=line)
    clock, when = match.groups()
    try:
        return {"command": "time", "clock": clock and parse_word(clock), "time": parse_timestamp(when)}
    except ValueError as exc:
        raise ConsoleParseError(str(exc), command="time", line=answer.lines[0].number) from None
