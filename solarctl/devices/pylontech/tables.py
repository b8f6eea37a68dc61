"""Column tables found by their header line, and `Label : value` blocks.

Columns are located by where their header word starts, not by token count: the `Time` column
holds two words (`2025-12-21 20:53:06`), B66.6's `bat` prints `89%      42586 mAH` under one
`Coulomb` header, and firmwares add columns (`MosTempr M.T.St`, `Tlow.Id`, `SysAlarm.St`).
A value belongs to the last column whose header starts at most `SLACK` characters right of it.
"""

from __future__ import annotations

import bisect
import re
from typing import Any, Iterable, Mapping, NamedTuple, Sequence

from solarctl.devices.pylontech.errors import ConsoleParseError
from solarctl.devices.pylontech.framing import Line
from solarctl.devices.pylontech.values import RAW, Codec, snake_case

# US2000C right-aligns some values one character left of their header (MosTempr, bat Coulomb).
SLACK = 2


class Field(NamedTuple):
    """Where a column's or label's value goes: one metric, or several for a combined value."""

    key: str | tuple[str, ...]
    codec: Codec


class Column(NamedTuple):
    name: str
    start: int


class Row(NamedTuple):
    line: Line
    present: bool  # False: an `Absent` module row, whose values hold only its index
    values: dict[str, Any]
    position: int = 0  # 1-based place in the table, lost rows counted
    group: int = 0  # tables that number their rows again from 1 (cells by module): which run


class Table(NamedTuple):
    columns: dict[str, str]  # metric -> the console column it came from
    rows: list[Row]
    lost: list[dict[str, Any]]  # {"position", "group", "index", "line", "reason"}: rows that could not be read
    noise: list[int]  # line numbers of lines in the table that are no row (left out, said)


_ROW_START = re.compile(r"\s*[0-9]")
MANGLED = "mangled on the wire"  # the reason of a row with bytes no console prints
# Whole-stack tables number each module's cells from 0 again; no module has fewer cells than this (UP2500: 8).
MIN_GROUP = 8


def keys_of(field: Field) -> tuple[str, ...]:
    return field.key if isinstance(field.key, tuple) else (field.key,)


def _store(values: dict[str, Any], field: Field, value: Any) -> None:
    if isinstance(field.key, tuple):
        values.update(zip(field.key, value if value is not None else [None] * len(field.key)))
    else:
        values[field.key] = value


def field_for(name: str, fields: Mapping[str, Field], default: Codec = RAW) -> Field:
    """The known field of a column or label, else its snake_case name and the default codec."""
    return fields.get(name) or Field(snake_case(name), default)


def header_columns(line: Line, command: str) -> list[Column]:
    columns: list[Column] = []
    text = line.text
    for word in re.finditer(r"\S+", text):
        # `bat` names its state columns in two words with one space: "Base State", "Volt. State".
        if word.group() == "State" and columns and word.start() >= 2 and text[word.start() - 2] != " ":
            columns[-1] = Column(columns[-1].name + " State", columns[-1].start)
        else:
            columns.append(Column(word.group(), word.start()))
    # A name printed twice (firmwares repeat `Time`, `State`) keeps both columns: the second is `Name 2`.
    seen: dict[str, int] = {}
    for i, column in enumerate(columns):
        seen[column.name] = seen.get(column.name, 0) + 1
        if seen[column.name] > 1:
            columns[i] = Column(f"{column.name} {seen[column.name]}", column.start)
    return columns


def split_row(line: Line, columns: Sequence[Column], command: str) -> dict[str, str]:
    """Column name -> the words under it, joined by one space."""
    starts = [column.start for column in columns]
    cells: dict[str, list[str]] = {}
    for word in re.finditer(r"\S+", line.text):
        at = bisect.bisect_right(starts, word.start() + SLACK) - 1
        if at < 0:
            raise ConsoleParseError(f"{word.group()!r} is left of the first column", command=command, line=line.number)
        cells.setdefault(columns[at].name, []).append(word.group())
    return {name: " ".join(words) for name, words in cells.items()}


def _convert(field: Field, what: str, text: str, required: bool, command: str, line: Line) -> Any:
    if text == "-" and not required:
        return None
    try:
        return field.codec.parse(text)
    except ValueError as exc:
        raise ConsoleParseError(f"{what}: {exc}", command=command, line=line.number) from None


def _absent_row(line: Line, index_name: str, index_field: Field, command: str) -> Row | None:
    """An `Absent` row: index, `Absent`, `-` placeholders (as many as the firmware prints)."""
    words = line.text.split()
    if "Absent" not in words:
        return None
    if words.count("Absent") != 1 or any(word not in ("-", "Absent") for word in words[1:]):
        raise ConsoleParseError("an 'Absent' row holds values", command=command, line=line.number)
    values: dict[str, Any] = {}
    _store(values, index_field, _convert(index_field, f"column {index_name!r}", words[0], True, command, line))
    return Row(line, False, values)


def _row(line: Line, names: list[str], columns: Sequence[Column], fields: Mapping[str, Field],
         required: tuple[str, ...], command: str) -> dict[str, Any]:
    cells = split_row(line, columns, command)
    empty = [name for name in names if name not in cells]
    if empty:
        raise ConsoleParseError(f"no value under {', '.join(map(repr, empty))}", command=command, line=line.number)
    values: dict[str, Any] = {}
    for name in names:
        field = field_for(name, fields)
        _store(values, field, _convert(field, f"column {name!r}", cells[name], name in required, command, line))
    return values


def parse_table(
    lines: Sequence[Line],
    fields: Mapping[str, Field],
    required: Iterable[str],
    command: str,
    *,
    absent_rows: bool = False,
    lost: Sequence[Line] = (),
    restarts: bool = False,
) -> Table:
    """A header line and its rows -> a `Table`.

    The first required column is the row index and comes first (1-based after its codec). Rows
    number 1, 2, 3 ... (`restarts`: or from 1 again, the next module's cells); `-` is accepted (as
    None) except in `required` columns. A row that cannot be read (bytes no console prints: `lost`,
    a value that is no value, a missing column, a number out of turn) costs that row only: it is a
    `lost` entry with its reason and keeps its place; so does a row the numbering skips. Short lines
    that do not start like a row (with a digit) are noise, left out and listed.
    """
    if not lines:
        raise ConsoleParseError("no table header", command=command)
    header, *body = lines
    columns = header_columns(header, command)
    required = tuple(required)
    names = [column.name for column in columns]
    missing = [name for name in required if name not in names]
    if names[0] != required[0] or missing:
        expected = f"lacks {', '.join(map(repr, missing))}" if missing else f"does not start with {required[0]!r}"
        raise ConsoleParseError(
            f"the table header {expected}: {header.text.strip()!r}", command=command, line=header.number
        )
    metric_columns: dict[str, str] = {}
    for name in names:
        for key in keys_of(field_for(name, fields)):
            if key in metric_columns:
                raise ConsoleParseError(f"columns {metric_columns[key]!r} and {name!r} both give {key!r}",
                                        command=command, line=header.number)
            metric_columns[key] = name
    index_field = field_for(names[0], fields)
    index_key = keys_of(index_field)[0]
    table = Table(metric_columns, [], [], [])
    candidates = sorted([(line, None) for line in body]
                        + [(line, MANGLED) for line in lost if line.number > header.number])
    next_index, group, position = 1, 0, 0

    def lose(index: int, line: int | None, reason: str) -> None:
        nonlocal position
        position += 1
        table.lost.append({"position": position, "group": group, "index": index, "line": line, "reason": reason})

    for line, reason in candidates:
        if not _ROW_START.match(line.text) and len(line.text.split()) < max(2, len(columns) // 2):
            table.noise.append(line.number)  # too short to be a row whose number was garbled
            continue
        row = None
        if reason is None:
            try:
                row = _absent_row(line, names[0], index_field, command) if absent_rows else None
                row = row or Row(line, True, _row(line, names, columns, fields, required, command))
            except ConsoleParseError as exc:
                reason = exc.reason
        if row is not None:
            index = row.values[index_key]
            if restarts and index == 1 and next_index > MIN_GROUP:
                group, next_index = group + 1, 1
            if index < next_index:
                row, reason = None, f"expected row {next_index}, got {line.text.split()[0]!r}"
            else:
                for skipped in range(next_index, index):
                    lose(skipped, None, "no row on the wire")
        if row is None:
            assert reason is not None  # a line that gave no row says why
            lose(next_index, line.number, reason)
            next_index += 1
            continue
        position += 1
        table.rows.append(row._replace(position=position, group=group))
        next_index = row.values[index_key] + 1
    return table


def parse_block(
    lines: Iterable[Line],
    fields: Mapping[str, Field],
    required: Iterable[str],
    command: str,
    *,
    default: Codec = RAW,
    repeats: str = "error",
) -> dict[str, Any]:
    """`Label : value` lines (or `Label   value` without the colon) -> {metric: value}.

    Unknown labels become snake_case metrics read with the `default` codec. A label twice is an error,
    or (`repeats="last"`, summaries printed around tables) the last one counts.
    """
    texts: dict[str, tuple[Line, str]] = {}
    for line in lines:
        if ":" in line.text:
            label, text = line.text.split(":", 1)
        elif match := re.fullmatch(r"\s*(\S.*?)\s{2,}(\S+)", line.text):
            label, text = match.groups()  # `Device address           1` in `stat`
        else:
            raise ConsoleParseError(
                f"expected 'Label : value', got {line.text.strip()!r}", command=command, line=line.number
            )
        label = " ".join(label.split())  # B66.6 prints `Soft  version`
        if label in texts and repeats == "error":
            raise ConsoleParseError(f"{label!r} appears twice", command=command, line=line.number)
        texts[label] = (line, text.strip())
    missing = [label for label in required if label not in texts]
    if missing:
        raise ConsoleParseError(f"no {', '.join(map(repr, missing))} line", command=command)
    values: dict[str, Any] = {}
    for label, (line, text) in texts.items():
        field = field_for(label, fields, default)
        if any(key in values for key in keys_of(field)) and repeats == "error":
            raise ConsoleParseError(f"{label!r} repeats a value", command=command, line=line.number)
        _store(values, field, _convert(field, repr(label), text, True, command, line))
    return values
