"""One parser per console command: a framed `Answer` -> a JSON-safe dict in SI units.

Each dict has `"command"`; tables also have `"columns"` ({metric: console column}) so messages can
name what the console printed. Columns and labels this code does not know are kept, as raw text,
under their snake_case name. Known columns are listed once, as data, below.
"""

from __future__ import annotations

import re
from typing import Any

from solarctl.devices.pylontech.errors import ConsoleParseError
from solarctl.devices.pylontech.framing import Answer, Line
from solarctl.devices.pylontech.tables import Field, Table, parse_block, parse_table
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
    # `89%`; controllers of high-voltage stacks add the charge: `68%      33819 mAH`.
    "Coulomb": Field(("soc", "remaining_charge"), SOC_AND_CHARGE),
    "Time": Field("time", TIMESTAMP),
    "B.V.St": Field("battery_voltage_state", WORD),
    "B.T.St": Field("battery_temperature_state", WORD),
    "MosTempr": Field("mos_temperature", MILLI),
    "M.T.St": Field("mos_temperature_state", WORD),
    "SysAlarm.St": Field("system_alarm_state", WORD),
}
PWR_REQUIRED = ("Power", "Volt", "Curr", "Tempr", "Coulomb")
# A high-voltage controller's `pwr` table (SC0500/SC1000) is one row for the whole stack, without `Power`.
SYSTEM_ROW_REQUIRED = ("Volt", "Curr")
PWR_SOC = Field("soc", PERCENT)  # the Coulomb column as low-voltage modules print it

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
    # High-voltage controllers' names for the same columns (`Bat Volt Curr Tempr V.State T.State AH(mAH) Bal`).
    "Bat": Field("index", CELL_INDEX),
    "Temp": Field("temperature", MILLI),
    "V.State": Field("voltage_state", WORD),
    "C.State": Field("current_state", WORD),
    "T.State": Field("temperature_state", WORD),
    "B.State": Field("base_state", WORD),
    "AH(mAH)": Field(("soc", "remaining_charge"), SOC_AND_CHARGE),
    "Bal": Field("balancing", FLAG),
}
# B66.6 has no SOC column and prints `89%      42586 mAH` under `Coulomb`.
BAT_FIELDS_WITHOUT_SOC = {**BAT_FIELDS, "Coulomb": Field(("soc", "remaining_charge"), SOC_AND_CHARGE)}
# Only the index and the voltage are required: Pytes prints no current column (or puts it last), the
# high-voltage controllers no base state; whatever a table has is read by its header.
BAT_INDEX_COLUMNS = ("Battery", "Bat")

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


def _header_at(lines: tuple[Line, ...], first_words: tuple[str, ...]) -> int | None:
    """Index of the table header: the first line without a colon starting with one of `first_words`
    and naming a `Volt` column."""
    for i, line in enumerate(lines):
        words = line.text.split()
        if words and words[0] in first_words and "Volt" in words and ":" not in line.text:
            return i
    return None


def _summary(lines: tuple[Line, ...], command: str) -> dict[str, Any]:
    """What a console prints before a table or instead of one: `Key : value` lines (values in SI by their
    unit), a `System is discharging` line, a time line; titles, rules and other lines are left out."""
    state = time = None
    block = []
    for line in lines:
        text = line.text.strip()
        if match := _SYSTEM_STATE.fullmatch(line.text):
            state = match.group(1)
        elif re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}", text):
            time = text
        elif ":" in text and text.split(":")[0].strip() and text.split(":", 1)[1].strip():
            block.append(line)
    values = parse_block(block, SYSTEM_FIELDS, (), command, default=MEASURED_OR_RAW, repeats="last")
    return {**values, **({"state": state} if state else {}), **({"time": time} if time else {})}


def _lost(table: Table, what: str) -> list[dict[str, Any]]:
    grouped = any(row.group for row in table.rows) or any(lost["group"] for lost in table.lost)
    return [{what: lost["position"], **({"module": lost["group"] + 1} if grouped else {}),
             "line": lost["line"], "reason": lost["reason"]} for lost in table.lost]


def parse_pwr(answer: Answer) -> dict[str, Any]:
    """`pwr`: one row per module slot; `Absent` slots have only `index` and `present: False`.

    High-voltage stacks print a system summary instead (`Key : value` lines, Force H2), or before a
    one-row table without a `Power` column (SC controllers): that is `system`. A module row that cannot
    be read is in `lost_rows` ({module, line, reason}), the others are read."""
    lines = answer.lines
    header = _header_at(lines, ("Power",))
    system_row = _header_at(lines, ("Volt",)) if header is None else None
    start = header if header is not None else system_row if system_row is not None else len(lines)
    result: dict[str, Any] = {"command": "pwr"}
    if start or header is None:
        result["system"] = _summary(lines[:start], "pwr")
    if header is not None:
        table = parse_table(lines[header:], PWR_FIELDS, PWR_REQUIRED, "pwr", absent_rows=True, lost=answer.mangled)
        modules = [{**{key: value for key, value in row.values.items()
                        if not (key == "remaining_charge" and value is None)}, "present": row.present}
                   for row in table.rows]  # only controllers print a charge beside the SoC
        result.update(columns=table.columns, modules=modules,
                      lost_rows=_lost(table, "module"))
    elif system_row is not None:
        # No index column: number the one row so the table reader can place it.
        header_line, *rows = lines[system_row:]
        numbered = [Line(header_line.number, "#  " + header_line.text),
                    *(Line(line.number, f"{k:<3}" + line.text) for k, line in enumerate(rows, 1))]
        fields = {**PWR_FIELDS, "#": Field("row", INTEGER)}
        table = parse_table(numbered, fields, ("#", *SYSTEM_ROW_REQUIRED), "pwr", lost=answer.mangled)
        if not table.rows:
            reason = table.lost[0]["reason"] if table.lost else "no row under the table header"
            raise ConsoleParseError(reason, command="pwr", line=table.lost[0]["line"] if table.lost else None)
        row = {key: value for key, value in table.rows[0].values.items() if key != "row"}
        result["system"] = {**result["system"], **row}
        result["columns"] = {key: name for key, name in table.columns.items() if key != "row"}
    if "system" in result and not {"voltage", "current", "soc"} <= result["system"].keys():
        missing = sorted({"voltage", "current", "soc"} - result["system"].keys())
        raise ConsoleParseError(f"no table and no {', '.join(missing)} in the summary", command="pwr")
    return result


def parse_pwr_module(answer: Answer) -> dict[str, Any]:
    """`pwr N`: the key/value block of one module (US2000C and later)."""
    lines = [line for line in answer.lines if set(line.text.strip()) != {"-"}]
    values = parse_block(lines, PWR_MODULE_FIELDS, PWR_MODULE_REQUIRED, "pwr", default=MEASURED_OR_RAW)
    return {"command": "pwr", **values}


def parse_bat(answer: Answer) -> dict[str, Any]:
    """`bat` / `bat N`: one row per cell of one module (N, or the master without N), or of the
    whole stack (high-voltage stacks: numbered through, or from 0 again for each module: then each cell
    has its `module`). Lines above the header (a time, `Key : value` lines) are `stack`. A row that
    cannot be read is in `lost_rows` ({cell, line, reason}) and keeps its place; the others are read."""
    header = _header_at(answer.lines, BAT_INDEX_COLUMNS)
    if header is None:
        first = answer.lines[0] if answer.lines else None
        raise ConsoleParseError(f"no cell table header (a line starting with 'Battery'); first line "
                                f"{first.text.strip() if first else ''!r}", command="bat",
                                line=first.number if first else None)
    lines = answer.lines[header:]
    index = lines[0].text.split()[0]
    has_soc = "SOC" in lines[0].text.split()
    fields = BAT_FIELDS if has_soc else BAT_FIELDS_WITHOUT_SOC
    table = parse_table(lines, fields, (index, "Volt"), "bat", lost=answer.mangled, restarts=True)
    grouped = any(row.group for row in table.rows)
    cells = [{**row.values, **({"module": row.group + 1} if grouped else {})} for row in table.rows]
    result = {"command": "bat", "module": _module_argument(answer), "columns": table.columns,
              "cells": cells, "lost_rows": _lost(table, "cell")}
    if header:
        result["stack"] = _summary(answer.lines[:header], "bat")
    return result


def parse_soh(answer: Answer) -> dict[str, Any]:
    """`soh` / `soh N`: a `Power N` line, then per-cell voltage and state-of-health counters."""
    if not answer.lines:
        raise ConsoleParseError("empty answer, expected 'Power N'", command="soh")
    module = parse_block(answer.lines[:1], {"Power": Field("module", INTEGER)}, ("Power",), "soh")
    table = parse_table(answer.lines[1:], SOH_FIELDS, tuple(SOH_FIELDS), "soh", lost=answer.mangled)
    return {"command": "soh", **module, "columns": table.columns, "cells": [row.values for row in table.rows],
            "lost_rows": _lost(table, "cell")}


def parse_info(answer: Answer) -> dict[str, Any]:
    """`info` / `info N`: identity, versions, `Specification` (nominal V and capacity Ah), limits."""
    # High-voltage controllers rule off sections and repeat labels per module: rules are left out, the last counts.
    lines = [line for line in answer.lines if set(line.text.strip()) - set("-=* ")]
    return {"command": "info", **parse_block(lines, INFO_FIELDS, INFO_REQUIRED, "info", repeats="last")}


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
