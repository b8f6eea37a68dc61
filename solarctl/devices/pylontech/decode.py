"""`solarctl decode pylontech-console FILE`: which command a capture answers, then its values."""

from __future__ import annotations

import re
from typing import Any, Callable

from solarctl.devices.description import Catalogue
from solarctl.errors import DecodeError
from solarctl.devices.pylontech import commands
from solarctl.devices.pylontech.describe import CELL_ROW
from solarctl.devices.pylontech.errors import ConsoleParseError
from solarctl.devices.pylontech.framing import Answer, frame_answer
from solarctl.devices.pylontech.stack import cell_values, cells_by_module, stack_values, system_stack_values

Parser = Callable[[Answer], dict[str, Any]]

_CELLS_HEADER = re.compile(rb"cells: *([0-9]{1,3}) *\r?\n")

# How each answer's first payload line looks, for captures without the echoed command.
_FIRST_LINES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pwr", re.compile(r"Power +Volt\b.*|\s*Power System Information\s*|Time *:.*|.*Tmpr *:.*")),
    ("pwr N", re.compile(r" *-{5,}")),
    ("soh", re.compile(r"Power +[0-9]+")),
    ("bat", re.compile(r"(Battery|Bat) +Volt\b.*")),
    ("info", re.compile(r"Device address *:.*")),
    ("stat", re.compile(r"Device address +[0-9]+")),
    ("time", re.compile(r"(\S+ +)?[0-9]{4}-[0-9]{2}-[0-9]{2} .*")),
)
_PARSERS: dict[str, Parser] = {
    "pwr": commands.parse_pwr,
    "pwr N": commands.parse_pwr_module,
    "bat": commands.parse_bat,
    "soh": commands.parse_soh,
    "info": commands.parse_info,
    "stat": commands.parse_stat,
    "time": commands.parse_time,
}


def recognise(answer: Answer) -> str:
    """The parser key ("pwr", "pwr N", "bat" ...) from the echo, else from the first payload line."""
    if answer.command:
        name, *argument = answer.command.split()
        key = "pwr N" if name == "pwr" and argument else name
        if key not in _PARSERS:
            raise ConsoleParseError("no decoder for this command's answer", command=answer.command)
        return key
    first = answer.lines[0].text if answer.lines else ""
    for key, pattern in _FIRST_LINES:
        if pattern.fullmatch(first):
            return key
    raise ConsoleParseError(f"no echoed command and no known table header; first line {first!r}")


def _cell_count_header(data: bytes) -> tuple[int | None, bytes]:
    """A capture's optional first line `cells: N` (the module's `info` Cell Number) -> (N, the rest)."""
    match = _CELLS_HEADER.match(data)
    return (int(match[1]), data[match.end():]) if match else (None, data)


def _check_cells(values: dict[str, Any]) -> None:
    """A cell row whose values are out of any physical range was misread: it is a lost row, not a value."""
    cell_row = Catalogue(*CELL_ROW)
    kept = []
    for position, cell in _positions(values):
        try:
            cell_row.check(cell)
            kept.append(cell)
        except DecodeError as exc:
            values["lost_rows"].append({"cell": position, "line": None, "reason": str(exc)})
    values["cells"] = kept
    values["lost_rows"].sort(key=lambda lost: lost["cell"])


def _positions(values: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    lost_at = {lost["cell"] for lost in values["lost_rows"]}
    rows = len(values["cells"]) + len(lost_at)
    return list(zip([p for p in range(1, rows + 1) if p not in lost_at], values["cells"]))


def decode_capture(data: bytes) -> dict[str, Any]:
    """A captured answer -> its values (plus the stack or cell summary for `pwr` and `bat`). A first line
    `cells: N` gives the module's cell count: a `bat` table with another number of rows is refused.
    Rows that cannot be read are reported in `lost_rows` and alarms; the rest is decoded. Without the
    console's completion line the answer may be cut short: `complete` is false."""
    cell_count, data = _cell_count_header(data)
    # A capture that stops before the completion line (a table copied from a terminal, a log cut short) is
    # decoded as far as it goes and says so (`complete: false`); an answer the console refused is an error.
    try:
        answer = frame_answer(data)
    except ConsoleParseError as exc:
        if "truncated" not in str(exc):
            raise
        answer = frame_answer(data, require_complete=False)
    key = recognise(answer)
    values = _PARSERS[key](answer)
    if not answer.complete:
        values["complete"] = False
    if key == "bat":
        _check_cells(values)  # the stack and module values are checked by the decode command
        values["summary"] = cell_values(values, cell_count)
        module_count = values.get("stack", {}).get("module_count")
        runs = cells_by_module(values["summary"]["cell_voltages"], values, module_count)
        if len(runs) > 1:
            values["summary"]["cell_voltages_by_module"] = runs
    elif key == "pwr":
        values["stack"] = (stack_values(values, partial=True) if "modules" in values
                           else system_stack_values(values["system"], values.get("columns")))
    return values
