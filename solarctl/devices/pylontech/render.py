"""Byte-exact US2000B Plus (firmware B66.6) answers, for the simulator.

Inputs are the parsers' own dicts (SI units), so `parse(render(x)) == x`. The layout is the
captured one: each table line is preceded by CR CR LF, every other line by CR LF CR; values are
left-aligned in the header's column widths; `pwr` always shows 8 slots.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

from solarctl.devices.pylontech.commands import BAT_FIELDS_WITHOUT_SOC, INFO_FIELDS, PWR_FIELDS, PWR_SOC, SYSTEM_FIELDS
from solarctl.devices.pylontech.framing import COMPLETION, PROMPT
from solarctl.devices.pylontech.tables import Field, field_for, keys_of

# (column, width) as B66.6 prints them; the header is the names padded to these widths.
PWR_LAYOUT = (
    ("Power", 6), ("Volt", 7), ("Curr", 7), ("Tempr", 7), ("Tlow", 7), ("Thigh", 7), ("Vlow", 7),
    ("Vhigh", 7), ("Base.St", 9), ("Volt.St", 9), ("Curr.St", 9), ("Temp.St", 9), ("Coulomb", 9),
    ("Time", 21), ("B.V.St", 9), ("B.T.St", 8),
)
PWR_SLOTS = 8
BAT_LAYOUT = (
    ("Battery", 9), ("Volt", 9), ("Curr", 9), ("Tempr", 9), ("Base State", 13), ("Volt. State", 13),
    ("Curr. State", 13), ("Temp. State", 13), ("Coulomb", 12),
)
# B66.6 prints `Soft  version` with two spaces, and an empty line after the barcode ("").
INFO_LABELS = (
    "Device address", "Manufacturer", "Device name", "Board version", "Main Soft version",
    "Soft  version", "Boot  version", "Comm version", "Release Date", "Barcode", "", "Specification",
    "Cell Number", "Max Dischg Curr", "Max Charge Curr", "EPONPort rate", "Console Port rate",
)
INFO_LABEL_WIDTH = 20
CLOCK_CHIP = "Ds3231"

_TABLE_BREAK = "\r\r\n"  # before each table line (header and rows)
_LINE_BREAK = "\r\n\r"  # before every other line


def _answer(command: str, lines: Iterable[str], break_before: str, completed: bool = True,
            encoding: str = "ascii") -> bytes:
    text = (
        command + "\n\r@" + "".join(break_before + line for line in lines)
        + (_LINE_BREAK + COMPLETION if completed else "") + _LINE_BREAK + "$$" + _LINE_BREAK + PROMPT
    )
    return text.encode(encoding)


def _text(field: Field, values: Mapping[str, Any]) -> str:
    if missing := [key for key in keys_of(field) if key not in values]:
        raise ValueError(f"no {missing[0]!r} value to render")
    value = tuple(values[key] for key in keys_of(field))
    if all(part is None for part in value):
        return "-"
    return field.codec.format(value if isinstance(field.key, tuple) else value[0])


def _table_line(layout: Sequence[tuple[str, int]], fields: Mapping[str, Field], values: Mapping[str, Any]) -> str:
    cells = []
    for position, (name, width) in enumerate(layout):
        text = _text(fields[name], values)
        if len(text) >= width and position < len(layout) - 1:
            # The console would run it into the next column; no reader could split them again.
            raise ValueError(f"{name}: {text!r} does not fit the console's {width - 1} characters")
        cells.append(text.ljust(width))
    return "".join(cells)


def _header(layout: Sequence[tuple[str, int]]) -> str:
    return "".join(name.ljust(width) for name, width in layout)


def render_pwr(modules: Sequence[Mapping[str, Any]], slots: int = PWR_SLOTS) -> bytes:
    """`pwr`: the given present modules (parsed `pwr` rows) in their slots, `Absent` elsewhere."""
    by_index = {module["index"]: module for module in modules if module.get("present", True)}
    if not set(by_index) <= set(range(1, slots + 1)):
        raise ValueError(f"module indexes {sorted(by_index)} do not fit slots 1..{slots}")
    fields = {name: PWR_FIELDS[name] for name, _ in PWR_LAYOUT} | {"Coulomb": PWR_SOC}  # US2000: `89%` only
    empty = {key: None for field in fields.values() for key in keys_of(field)}
    rows = [
        _table_line(PWR_LAYOUT, fields, by_index.get(index) or {**empty, "index": index, "base_state": "Absent"})
        for index in range(1, slots + 1)
    ]
    return _answer("pwr", [_header(PWR_LAYOUT), *rows], _TABLE_BREAK)


def render_bat(cells: Sequence[Mapping[str, Any]], module: int | None = None) -> bytes:
    """`bat` / `bat N`: one row per cell (parsed `bat` cells: index from 1, SoC and remaining Ah)."""
    fields = {name: BAT_FIELDS_WITHOUT_SOC[name] for name, _ in BAT_LAYOUT}
    rows = [_table_line(BAT_LAYOUT, fields, cell) for cell in cells]
    command = "bat" if module is None else f"bat {module}"
    return _answer(command, [_header(BAT_LAYOUT), *rows], _TABLE_BREAK)


def render_boxed_bat(cells: Sequence[Mapping[str, Any]]) -> bytes:
    """`bat` of a high-voltage stack: every cell of the stack, the table framed in box-drawing characters."""
    fields = {name: BAT_FIELDS_WITHOUT_SOC[name] for name, _ in BAT_LAYOUT}
    lines = [_header(BAT_LAYOUT), *(_table_line(BAT_LAYOUT, fields, cell) for cell in cells)]
    width = max(map(len, lines))
    framed = ["┌" + "─" * (width + 2) + "┐", *(f"│ {line.ljust(width)} │" for line in lines), "└" + "─" * (width + 2) + "┘"]
    return _answer("bat", framed, _TABLE_BREAK, encoding="utf-8")


def render_system(system: Mapping[str, Any]) -> bytes:
    """`pwr` of a high-voltage stack: the system summary (parsed `SYSTEM_FIELDS` values and `state`)."""
    lines = [" Power System Information", " " + "-" * 33, f" System is {system['state']}"]
    lines += [f" {label:<25}: {_text(field, system)}" for label, field in SYSTEM_FIELDS.items()]
    return _answer("pwr", lines, _TABLE_BREAK)


def render_info(info: Mapping[str, Any]) -> bytes:
    """`info`: a parsed `info` dict with the B66.6 labels."""
    lines = [
        label and label.ljust(INFO_LABEL_WIDTH) + ": " + _text(field_for(" ".join(label.split()), INFO_FIELDS), info)
        for label in INFO_LABELS
    ]
    return _answer("info", lines, _LINE_BREAK)


def render_time(time: str, clock: str = CLOCK_CHIP) -> bytes:
    """`time`: `time` as the console prints it (`values.TIME_FORMAT`, 2025-12-21 21:14:53)."""
    return _answer("time", [f"{clock} {time}"], _LINE_BREAK)


def render_completed(command: str) -> bytes:
    """A command that prints nothing but the completion line, such as `login debug`."""
    return _answer(command, [], _LINE_BREAK)


def render_refusal(command: str, message: str) -> bytes:
    """An answer the console did not complete: `message` (e.g. `Unknown command 'pwrsys' - try 'help'`)
    where the completion line would be, then `$$` and the prompt."""
    return _answer(command, [message], _LINE_BREAK, completed=False)
