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
from solarctl.devices.pylontech.stack import cell_values, stack_values, system_stack_values

Parser = Callable[[Answer], dict[str, Any]]

_CELLS_HEADER = re.compile(rb"cells: *([0-9]{1,3}) *\r?\n")

# How each answer's first payload line looks, for captures without the echoed command.
_FIRST_LINES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pwr", re.compile(r"Power +Volt\b.*|\s*Power System Information\s*")),
    ("pwr N", re.compile(r" *-{5,}")),
    ("soh", re.compile(r"Power +[0-9]+")),
    ("bat", re.compile(r"Battery +Volt\b.*")),
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


def decode_capture(data: bytes) -> dict[str, Any]:
    """A captured answer -> its values (plus the stack or cell summary for `pwr` and `bat`). A first line
    `cells: N` gives the module's cell count: a `bat` table with another number of rows is refused."""
    cell_count, data = _cell_count_header(data)
    answer = frame_answer(data)
    key = recognise(answer)
    values = _PARSERS[key](answer)
    cell_row = Catalogue(*CELL_ROW)
    for cell in values.get("cells", ()):  # the stack and module values are checked by the decode command
        try:
            cell_row.check(cell)
        except DecodeError as exc:
            raise ConsoleParseError(f"cell {cell.get('index')}: {exc}", command=values["command"]) from None
    if key == "pwr":
        values["stack"] = system_stack_values(values["system"]) if "system" in values else stack_values(values)
    elif key == "bat":
        values["summary"] = cell_values(values, cell_count)
    return values
