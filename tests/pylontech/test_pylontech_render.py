"""The simulator's renderer: the capture's own values give the captured bytes; render -> parse round-trips."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solarctl.devices.pylontech.commands import parse_bat, parse_info, parse_pwr, parse_time
from solarctl.devices.pylontech.framing import frame_answer
from solarctl.devices.pylontech.render import render_bat, render_info, render_pwr, render_time
from solarctl.devices.pylontech.values import TIME_FORMAT

from .captures import B66_BAT, B66_INFO, B66_PWR, B66_TIME, C_INFO, capture


def parsed(parser, name):
    return parser(frame_answer(capture(name)))


def test_pwr_renders_the_captured_bytes():
    assert render_pwr(parsed(parse_pwr, B66_PWR)["modules"]) == capture(B66_PWR)


def test_bat_renders_the_captured_bytes():
    assert render_bat(parsed(parse_bat, B66_BAT)["cells"]) == capture(B66_BAT)


def test_info_renders_the_captured_bytes():
    assert render_info(parsed(parse_info, B66_INFO)) == capture(B66_INFO)


def test_time_renders_the_captured_bytes_after_the_previous_prompt():
    # The capture starts with "\n\rpylon>", the end of the answer before it; the renderer starts at the echo.
    time = parsed(parse_time, B66_TIME)
    assert b"\n\rpylon>" + render_time(time["time"], time["clock"]) == capture(B66_TIME)


def test_other_firmware_values_render_in_the_b66_layout():
    info = parsed(parse_info, C_INFO)
    assert parse_info(frame_answer(render_info(info))) == info
    assert b"Device name         : US2000C\r\n\r" in render_info(info)


def test_bat_n_echoes_the_module():
    assert render_bat(parsed(parse_bat, B66_BAT)["cells"], module=2).startswith(b"bat 2\n\r@\r\r\nBattery  Volt")
    assert parse_bat(frame_answer(render_bat(parsed(parse_bat, B66_BAT)["cells"], module=2)))["module"] == 2


def test_a_value_wider_than_its_column_is_refused():
    module = {**parsed(parse_pwr, B66_PWR)["modules"][0], "current": -100.0}  # "-100000" fills all 7 characters
    with pytest.raises(ValueError, match=r"Curr: '-100000' does not fit the console's 6 characters"):
        render_pwr([module])


def test_a_missing_value_is_named():
    module = dict(parsed(parse_pwr, B66_PWR)["modules"][0])
    del module["time"]
    with pytest.raises(ValueError, match="no 'time' value to render"):
        render_pwr([module])


def test_module_outside_the_eight_slots_is_refused():
    with pytest.raises(ValueError, match="do not fit slots 1..8"):
        render_pwr([{**parsed(parse_pwr, B66_PWR)["modules"][0], "index": 9}])


def milli(low: int, high: int):
    return st.integers(low, high).map(lambda n: n / 1000)


STATES = st.sampled_from(["Normal", "Low", "High", "Over", "Under"])
TIMES = st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2099, 12, 31)).map(lambda t: t.strftime(TIME_FORMAT))
MODULE = st.fixed_dictionaries({
    "voltage": milli(40000, 59999), "current": milli(-99999, 99999), "temperature": milli(-20000, 70000),
    "temperature_min": milli(-20000, 70000), "temperature_max": milli(-20000, 70000),
    "cell_voltage_min": milli(2500, 3700), "cell_voltage_max": milli(2500, 3700),
    "base_state": st.sampled_from(["Charge", "Dischg", "Idle", "Balance", "SysError"]),
    "voltage_state": STATES, "current_state": STATES, "temperature_state": STATES,
    "soc": st.integers(0, 100), "time": TIMES, "battery_voltage_state": STATES, "battery_temperature_state": STATES,
})
CELL = st.fixed_dictionaries({
    "voltage": milli(2000, 4000), "current": milli(-99999, 99999), "temperature": milli(-20000, 70000),
    "base_state": st.sampled_from(["Charge", "Dischg", "Idle", "Balance"]), "voltage_state": STATES,
    "current_state": STATES, "temperature_state": STATES, "soc": st.integers(0, 100),
    "remaining_charge": milli(0, 99999),
})


@settings(max_examples=150, deadline=None)
@given(slots=st.sets(st.integers(1, 8), min_size=1), modules=st.lists(MODULE, min_size=8, max_size=8))
def test_pwr_round_trip(slots, modules):
    present = [{**modules[index - 1], "index": index, "present": True} for index in sorted(slots)]
    parsed_modules = parse_pwr(frame_answer(render_pwr(present)))["modules"]
    assert [module for module in parsed_modules if module["present"]] == present
    assert [module["index"] for module in parsed_modules if not module["present"]] == sorted(set(range(1, 9)) - slots)


@settings(max_examples=100, deadline=None)
@given(cells=st.lists(CELL, min_size=1, max_size=16))
def test_bat_round_trip(cells):
    cells = [{**cell, "index": index} for index, cell in enumerate(cells, 1)]
    assert parse_bat(frame_answer(render_bat(cells)))["cells"] == cells


@settings(max_examples=50, deadline=None)
@given(time=TIMES)
def test_time_round_trip(time):
    assert parse_time(frame_answer(render_time(time)))["time"] == time
