"""Stack values (what the driver publishes) from `pwr` + `info`, cell values from `bat`."""

from __future__ import annotations

import pytest

from solarctl.devices.pylontech.commands import parse_bat, parse_info, parse_pwr
from solarctl.devices.pylontech.errors import ConsoleParseError
from solarctl.devices.pylontech.framing import frame_answer
from solarctl.devices.pylontech.render import render_bat, render_pwr
from solarctl.devices.pylontech.stack import cell_values, stack_values

from .captures import B66_BAT, B66_INFO, B66_PWR, C_BAT_1, C_PWR, capture


def parsed(parser, name):
    return parser(frame_answer(capture(name)))


def test_b66_stack():
    stack = stack_values(parsed(parse_pwr, B66_PWR), parsed(parse_info, B66_INFO))
    assert {key: value for key, value in stack.items() if key != "modules"} == {
        "soc": 89.0,
        "voltage": 50.682,  # (50.691 + 50.673) / 2
        "current": 7.893,  # 3.806 + 4.087
        "power": 400.03,  # 50.691 * 3.806 + 50.673 * 4.087 = 400.030497
        "temperature": 16.5,
        "cell_voltage_min": 3.377,
        "cell_voltage_max": 3.381,
        "capacity": 100.0,
        "module_count": 2,
        "alarms": [],
    }
    assert stack["modules"][0] == {
        "index": 1, "soc": 89, "voltage": 50.691, "current": 3.806, "temperature": 17.0,
        "cell_voltage_min": 3.378, "cell_voltage_max": 3.381, "base_state": "Charge", "voltage_state": "Normal",
        "current_state": "Normal", "temperature_state": "Normal", "battery_voltage_state": "Normal",
        "battery_temperature_state": "Normal",
    }
    assert [module["index"] for module in stack["modules"]] == [1, 2]


def test_discharging_stack_keeps_the_sign():
    stack = stack_values(parsed(parse_pwr, C_PWR))
    assert stack["current"] == -13.872  # -(3.037 + 2.700 + 2.348 + 2.189 + 3.598)
    assert stack["power"] < 0
    assert (stack["soc"], stack["module_count"], stack["capacity"]) == (95.8, 5, 250.0)  # 4 x 96 % and 95 %, 50 Ah default
    assert stack["modules"][2]["mos_temperature_state"] is None  # `-` on that module


def test_soc_is_weighted_by_module_capacity():
    info_100ah = {"command": "info", "capacity": 100.0}
    stack = stack_values(parsed(parse_pwr, C_PWR), module_info={5: info_100ah})
    assert stack["soc"] == 95.667  # (4 * 96 * 50 + 95 * 100) / 300
    assert stack["capacity"] == 300.0
    assert stack_values(parsed(parse_pwr, C_PWR), info_100ah)["capacity"] == 500.0


def test_abnormal_states_are_alarms_operating_states_are_not():
    pwr = parsed(parse_pwr, B66_PWR)
    first, second = pwr["modules"][:2]
    modules = [{**first, "base_state": "Balance"}, {**second, "voltage_state": "Over", "battery_temperature_state": "Low"}]
    reparsed = parse_pwr(frame_answer(render_pwr(modules)))
    assert stack_values(reparsed)["alarms"] == ["module 2: Volt.St = Over", "module 2: B.T.St = Low"]
    reparsed = parse_pwr(frame_answer(render_pwr([{**first, "base_state": "SysError"}])))
    assert stack_values(reparsed)["alarms"] == ["module 1: Base.St = SysError"]


def test_all_modules_absent_is_an_error():
    pwr = parsed(parse_pwr, B66_PWR)
    pwr["modules"] = [module for module in pwr["modules"] if not module["present"]]
    with pytest.raises(ConsoleParseError, match="pwr: no module is present"):
        stack_values(pwr)


def test_b66_cell_values():
    cells = cell_values(parsed(parse_bat, B66_BAT))
    assert cells["cell_voltages"] == [
        3.379, 3.379, 3.379, 3.379, 3.381, 3.378, 3.378, 3.378, 3.38, 3.379, 3.38, 3.38, 3.378, 3.38, 3.38]
    assert cells["cell_temperatures"] == [14.0] * 10 + [13.0] * 5
    assert (cells["cell_voltage_min"], cells["cell_voltage_max"]) == (3.378, 3.381)
    assert cells["cell_states"][0] == {
        "index": 1, "base_state": "Charge", "voltage_state": "Normal", "current_state": "Normal",
        "temperature_state": "Normal"}
    assert cells["alarms"] == []


def test_us2000c_cell_values_include_balancing():
    cells = cell_values(parsed(parse_bat, C_BAT_1))
    assert (cells["cell_voltage_min"], cells["cell_voltage_max"]) == (3.315, 3.316)
    assert cells["cell_states"][14] == {
        "index": 15, "base_state": "Dischg", "voltage_state": "Normal", "current_state": "Normal",
        "temperature_state": "Normal", "balancing": False}


def test_cell_alarm_names_the_console_column():
    cells = parsed(parse_bat, B66_BAT)["cells"]
    cells[3] = {**cells[3], "voltage_state": "High"}
    assert cell_values(parse_bat(frame_answer(render_bat(cells))))["alarms"] == ["cell 4: Volt. State = High"]
