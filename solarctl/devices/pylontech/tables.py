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
    names = [column.name for column in columns]
    for name in names:
        if names.count(name) > 1:
            raise ConsoleParseError(f"column {name!r} appears twice in the header", command=command, line=line.number)
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


def parse_table(
    lines: Sequence[Line],
    fields: Mapping[str, Field],
    required: Iterable[str],
    command: str,
    *,
    absent_rows: bool = False,
    lost: Sequence[Line] = (),
) -> tuple[dict[str, str], list[Row]]:
    """A header line and its rows -> ({metric: column name}, rows).

    The first required column is the row index and comes first (1-based after its codec). Rows
    must number 1, 2, 3 ... and fill every column; `-` is accepted (as None) except in `required`
    columns. `lost` rows (mangled on the wire, left out of `lines`) keep their place in the count.
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
    rows: list[Row] = []
    for line in body:
        row = _absent_row(line, names[0], index_field, command) if absent_rows else None
        if row is None:
            cells = split_row(line, columns, command)
            empty = [name for name in names if name not in cells]
            if empty:
                raise ConsoleParseError(
                    f"no value under {', '.join(map(repr, empty))}", command=command, line=line.number
                )
            values: dict[str, Any] = {}
            for name in names:
                field = field_for(name, fields)
                _store(values, field, _convert(field, f"column {name!r}", cells[name], name in required, command, line))
            row = Row(line, True, values)
        expected = len(rows) + 1 + sum(1 for gone in lost if gone.number < line.number)
        if row.values[keys_of(index_field)[0]] != expected:
            raise ConsoleParseError(f"expected row {expected}, got {line.text.split()[0]!r}",
                                    command=command, line=line.number)
        rows.append(row)
    return metric_columns, rows


def parse_block(
    lines: Iterable[Line],
    fields: Mapping[str, Field],
    required: Iterable[str],
    command: str,
    *,
    default: Codec = RAW,
) -> dict[str, Any]:
    """`Label : value` lines (or `Label   value` without the colon) -> {metric: value}.

    Unknown labels become snake_case metrics read with the `default` codec.
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
        if label in texts:
            raise ConsoleParseError(f"{label!r} appears twice", command=command, line=line.number)
        texts[label] = (line, text.strip())
    missing = [label for label in required if label not in texts]
    if missing:
        raise ConsoleParseError(f"no {', '.join(map(repr, missing))} line", command=command)
    values: dict[str, Any] = {}
    for label, (line, text) in texts.items():
        field = field_for(label, fields, default)
        if any(key in values for key in keys_of(field)):
            raise ConsoleParseError(f"{label!r} repeats a value", command=command, line=line.number)
        _store(values, field, _convert(field, repr(label), text, True, command, line))
    return values
