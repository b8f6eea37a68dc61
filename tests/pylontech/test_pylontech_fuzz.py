"""Mangled captures: only ConsoleParseError, never a row with missing or extra fields, never garbage as a number
(a row that cannot be read is a lost row, said in `lost_rows`)."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from solarctl.devices.pylontech.commands import (
    parse_bat, parse_info, parse_pwr, parse_pwr_module, parse_soh, parse_stat, parse_time,
)
from solarctl.devices.pylontech.decode import decode_capture
from solarctl.devices.pylontech.errors import ConsoleParseError
from solarctl.devices.pylontech.framing import AnswerBuffer, frame_answer
from solarctl.devices.pylontech.stack import cell_values, stack_values

from .captures import B66_BAT, B66_HELP_PAGE, B66_PWR, C_BAT_1, C_PWR, COMPLETE, US5000_PWR, capture

PARSERS = (parse_pwr, parse_pwr_module, parse_bat, parse_soh, parse_info, parse_stat, parse_time)
# Bytes that matter to the console grammar, plus a few that never should appear.
NOISE = st.binary(min_size=1, max_size=6) | st.lists(
    st.sampled_from([
        b" ", b"-", b"0", b"7", b"%", b"\r", b"\n", b"@", b"$$", b">", b"Absent", b"Normal", b"x", b"\x00", b"\xff",
    ]),
    min_size=1, max_size=4,
).map(b"".join)
GARBAGE = st.text(st.sampled_from("0123456789-%.x:,/+_eEAN"), min_size=1, max_size=8).filter(
    lambda text: not re.fullmatch(r"-?[0-9]+%?", text) and text != "-"
)


@st.composite
def mangled(draw, names=tuple(COMPLETE) + (B66_HELP_PAGE,)):
    data = capture(draw(st.sampled_from(names)))
    for _ in range(draw(st.integers(1, 3))):
        operation = draw(st.sampled_from(["truncate", "delete", "insert", "replace", "drop", "duplicate", "garble"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        lines = data.splitlines(keepends=True)
        line = draw(st.integers(0, max(len(lines) - 1, 0)))
        if operation == "truncate":
            data = data[:at]
        elif operation == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 12)):]
        elif operation == "insert":
            data = data[:at] + draw(NOISE) + data[at:]
        elif operation == "replace":
            data = data[:at] + draw(NOISE) + data[at + 1:]
        elif operation == "drop" and lines:
            data = b"".join(lines[:line] + lines[line + 1:])
        elif operation == "duplicate" and lines:
            data = b"".join(lines[:line + 1] + lines[line:])
        elif operation == "garble" and (numbers := list(re.finditer(rb"-?[0-9]+%?", data))):
            number = draw(st.sampled_from(numbers))
            data = data[:number.start()] + draw(GARBAGE).encode() + data[number.end():]
    return data


def assert_rows_are_whole(result):
    """Every row has exactly one field per header column; absent modules only index and flag."""
    json.dumps(result)
    columns = set(result.get("columns", ()))
    for module in result.get("modules", ()):  # the charge beside the SoC is printed by controllers only
        assert set(module) | {"remaining_charge"} == (
            columns | {"present", "remaining_charge"} if module["present"] else {"index", "present", "remaining_charge"})
    for cell in result.get("cells", ()):
        assert set(cell) - {"module"} == columns


@settings(max_examples=600, deadline=None)
@given(data=mangled())
def test_decode_raises_only_its_own_error_and_returns_whole_rows(data):
    try:
        result = decode_capture(data)
    except ConsoleParseError:
        return
    assert_rows_are_whole(result)


@settings(max_examples=300, deadline=None)
@given(data=mangled(), chunk=st.integers(1, 64))
def test_every_parser_and_summary_on_mangled_partial_answers(data, chunk):
    buffer = AnswerBuffer()
    for start in range(0, len(data), chunk):
        buffer.feed(data[start:start + chunk])
        buffer.complete, buffer.needs_enter  # noqa: B018  (must not raise on any prefix)
    try:
        answer = frame_answer(data, require_complete=False)
    except ConsoleParseError:
        return
    for parser in PARSERS:
        try:
            result = parser(answer)
        except ConsoleParseError:
            continue
        assert_rows_are_whole(result)
        try:
            if "modules" in result:
                stack_values(result)
            elif "cells" in result and parser is parse_bat:
                cell_values(result)
        except ConsoleParseError:
            pass


@st.composite
def garbled_number_in_a_present_row(draw):
    data = capture(draw(st.sampled_from([B66_PWR, C_PWR, US5000_PWR, B66_BAT, C_BAT_1])))
    header_end = data.index(b"\n", data.index(b"Volt"))
    rows = data[header_end:data.index(b"Command completed")]
    numbers = [m for m in re.finditer(rb"(?<!\S)-?[0-9]+%?(?!\S)", rows)
               if b"Absent" not in rows[rows.rfind(b"\n", 0, m.start()):rows.find(b"\n", m.end())]]
    number = draw(st.sampled_from(numbers))
    start, end = header_end + number.start(), header_end + number.end()
    return data[:start] + draw(GARBAGE).encode() + data[end:]


@settings(max_examples=300, deadline=None)
@given(data=garbled_number_in_a_present_row())
def test_garbage_in_place_of_a_number_is_always_an_error_or_a_lost_row(data):
    try:
        result = decode_capture(data)
    except ConsoleParseError:
        return
    assert result["lost_rows"], f"garbage decoded as values: {result}"
