"""Every capture parses to the numbers printed in it (expectations read off the captures)."""

from __future__ import annotations

import re

import pytest

from solarctl.devices.pylontech.commands import (
    parse_bat, parse_info, parse_pwr, parse_pwr_module, parse_soh, parse_stat, parse_time,
)
from solarctl.devices.pylontech.errors import ConsoleParseError
from solarctl.devices.pylontech.framing import frame_answer

from .captures import (
    B66_BAT, B66_INFO, B66_PWR, B66_SOH, B66_STAT, B66_TIME, C_BAT_1, C_INFO, C_PWR, C_PWR_1, LINE_ENDINGS,
    US5000_PWR, capture, with_line_endings,
)

ENDINGS = pytest.mark.parametrize("ending", [None, *LINE_ENDINGS.values()], ids=["as captured", *LINE_ENDINGS])


def parse(parser, name, ending=None):
    data = capture(name)
    return parser(frame_answer(data if ending is None else with_line_endings(data, ending)))


def present(pwr):
    return [module for module in pwr["modules"] if module["present"]]


@ENDINGS
def test_b66_pwr(ending):
    pwr = parse(parse_pwr, B66_PWR, ending)
    first, second = present(pwr)
    assert first == {
        "index": 1, "present": True, "voltage": 50.691, "current": 3.806, "temperature": 17.0,
        "temperature_min": 13.0, "temperature_max": 14.0, "cell_voltage_min": 3.378, "cell_voltage_max": 3.381,
        "base_state": "Charge", "voltage_state": "Normal", "current_state": "Normal", "temperature_state": "Normal",
        "soc": 89, "time": "2025-12-21 20:53:06", "battery_voltage_state": "Normal",
        "battery_temperature_state": "Normal",
    }
    assert (second["voltage"], second["current"], second["temperature"], second["soc"]) == (50.673, 4.087, 16.0, 89)
    assert (second["cell_voltage_min"], second["cell_voltage_max"], second["time"]) == (3.377, 3.38, "2025-12-21 20:53:04")
    assert pwr["modules"][2:] == [{"index": i, "present": False} for i in range(3, 9)]
    assert pwr["columns"]["soc"] == "Coulomb" and pwr["columns"]["battery_voltage_state"] == "B.V.St"


@ENDINGS
def test_us2000c_pwr_discharging_with_mos_columns_and_placeholders(ending):
    pwr = parse(parse_pwr, C_PWR, ending)
    modules = present(pwr)
    assert [m["index"] for m in modules] == [1, 2, 3, 4, 5]
    assert [m["current"] for m in modules] == [-3.037, -2.7, -2.348, -2.189, -3.598]
    assert [m["voltage"] for m in modules] == [49.726, 49.725, 49.767, 49.768, 49.679]
    assert [m["temperature"] for m in modules] == [29.3, 29.1, 29.0, 28.0, 26.0]
    assert [m["soc"] for m in modules] == [96, 96, 96, 96, 95]
    assert [m["base_state"] for m in modules] == ["Dischg"] * 5
    assert [m["mos_temperature"] for m in modules] == [27.1, 27.1, None, None, 24.6]  # `-` on modules 3 and 4
    assert [m["mos_temperature_state"] for m in modules] == ["Normal", "Normal", None, None, "Normal"]
    assert modules[4]["time"] == "2026-07-17 01:20:54"
    assert pwr["modules"][5:] == [{"index": i, "present": False} for i in range(6, 17)]  # short Absent rows


@ENDINGS
def test_us5000_layout_with_id_columns(ending):
    pwr = parse(parse_pwr, US5000_PWR, ending)
    modules = present(pwr)
    assert [m["current"] for m in modules] == [-12.345, 0.0, -11.02]
    first = modules[0]
    expected = {
        "voltage": 51.203, "temperature": 24.1, "temperature_min": 22.0, "temperature_min_id": 3,
        "temperature_max": 25.1, "temperature_max_id": 11, "cell_voltage_min": 3.41, "cell_voltage_min_id": 7,
        "cell_voltage_max": 3.422, "cell_voltage_max_id": 14, "soc": 72, "mos_temperature": 26.3,
        "system_alarm_state": "Normal",
    }
    assert {key: first[key] for key in expected} == expected
    assert pwr["columns"]["system_alarm_state"] == "SysAlarm.St"
    assert len(pwr["modules"]) == 16 and not any(m["present"] for m in pwr["modules"][3:])


def test_unknown_columns_are_kept_raw_under_snake_case_names():
    lines = [
        "Power Volt   Curr   Tempr  Vlow   Vhigh  Base.St  Volt.St  Curr.St  Temp.St  Coulomb  Fan.St  Cycle Ver.X",
        "1     50100  -500   20000  3330   3345   Dischg   Normal   Normal   Normal   55%      Off     12    a/b",
    ]
    data = ("pwr\r\n@\r\n" + "\r\n".join(lines) + "\r\nCommand completed successfully\r\n$$\r\npylon>").encode()
    module = parse_pwr(frame_answer(data))["modules"][0]
    assert (module["fan_state"], module["cycle"], module["ver_x"]) == ("Off", "12", "a/b")
    assert module["current"] == -0.5


@ENDINGS
def test_b66_bat_cells(ending):
    bat = parse(parse_bat, B66_BAT, ending)
    cells = bat["cells"]
    assert bat["module"] is None  # plain `bat`: the master module
    assert [c["index"] for c in cells] == list(range(1, 16))
    assert [round(c["voltage"] * 1000) for c in cells] == [
        3379, 3379, 3379, 3379, 3381, 3378, 3378, 3378, 3380, 3379, 3380, 3380, 3378, 3380, 3380]
    assert [c["temperature"] for c in cells] == [14.0] * 10 + [13.0] * 5
    assert {(c["current"], c["soc"], c["remaining_charge"]) for c in cells} == {(4.076, 89, 42.586)}
    assert {(c["base_state"], c["voltage_state"], c["current_state"], c["temperature_state"]) for c in cells} == {
        ("Charge", "Normal", "Normal", "Normal")}


@ENDINGS
def test_us2000c_bat_cells_with_soc_charge_and_balancing(ending):
    bat = parse(parse_bat, C_BAT_1, ending)
    cells = bat["cells"]
    assert bat["module"] == 1
    assert [round(c["voltage"] * 1000) for c in cells] == [
        3316, 3316, 3316, 3316, 3315, 3316, 3316, 3316, 3316, 3315, 3316, 3316, 3316, 3316, 3315]
    assert [c["temperature"] for c in cells] == [26.4] * 5 + [26.6] * 5 + [26.0] * 5
    assert [c["remaining_charge"] for c in cells] == [
        44.628, 44.628, 44.628, 44.632, 44.628, 44.628, 44.632, 44.628, 44.628, 44.632, 44.606, 44.628, 44.632,
        44.632, 44.628]
    assert {(c["current"], c["soc"], c["balancing"], c["base_state"]) for c in cells} == {(-2.964, 96, False, "Dischg")}


@ENDINGS
def test_us2000c_pwr_n_key_value_block(ending):
    module = parse(parse_pwr_module, C_PWR_1, ending)
    assert {key: module[key] for key in (
        "index", "voltage", "current", "temperature", "soc", "capacity", "max_voltage", "charge_times",
        "base_state", "discharge_duration", "voltage_state", "current_state", "temperature_state",
        "coulomb_state", "soh_state", "heater_state", "battery_events", "power_events", "system_fault")} == {
        "index": 1, "voltage": 49.769, "current": -2.185, "temperature": 29.3, "soc": 94, "capacity": 50.0,
        "max_voltage": 54.0, "charge_times": 26076, "base_state": "Dischg", "discharge_duration": 3320,
        "voltage_state": "Normal", "current_state": "Normal", "temperature_state": "Normal",
        "coulomb_state": "Normal", "soh_state": "Normal", "heater_state": "OFF", "battery_events": 0,
        "power_events": 0, "system_fault": 0,
    }
    protections = module["protections_enabled"]
    assert len(protections) == 26 and protections[:2] == ["BOV", "BHV"] and protections[-1] == "LCOUL"


@ENDINGS
def test_b66_info(ending):
    assert parse(parse_info, B66_INFO, ending) == {
        "command": "info", "device_address": 1, "manufacturer": "Pylon", "device_name": "US2KBPL",
        "board_version": "PHANTOMSAV10R03", "main_soft_version": "B66.6", "soft_version": "V2.4",
        "boot_version": "V2.0", "comm_version": "V2.0", "release_date": "20-05-28", "barcode": "<REDACTED>",
        "nominal_voltage": 48.0, "capacity": 50.0, "cell_count": 15, "max_discharge_current": -100.0,
        "max_charge_current": 102.0, "epon_port_rate": 1200, "console_port_rate": 115200,
    }


def test_us2000c_info():
    info = parse(parse_info, C_INFO)
    assert (info["device_name"], info["main_soft_version"], info["soft_version"]) == ("US2000C", "B67.5.0", "V1.7")
    assert (info["capacity"], info["max_discharge_current"], info["max_charge_current"]) == (50.0, -90.0, 90.0)


@ENDINGS
def test_b66_stat(ending):
    stat = parse(parse_stat, B66_STAT, ending)
    assert (stat["device_address"], stat["cycle_count"], stat["soc"]) == (1, 430, 89)
    assert stat["remaining_charge"] == pytest.approx(42.5865)  # 153311400 mA·s; `bat` says 42586 mAH
    assert (stat["data_items"], stat["bat_hv_times"], stat["pwr_ov_times"], stat["lv_cnt"]) == (1689, 5832, 4688, 76)
    assert (stat["ht_0_5c_cnt"], stat["lifealarm_times"], stat["dsg_cap"]) == (0, 0, 21506462)
    assert len(stat) == 1 + 49  # "command" and one value per printed line


@ENDINGS
def test_b66_soh(ending):
    soh = parse(parse_soh, B66_SOH, ending)
    assert soh["module"] == 1
    assert [round(c["voltage"] * 1000) for c in soh["cells"]] == [
        3378, 3378, 3378, 3377, 3378, 3378, 3377, 3378, 3377, 3378, 3379, 3378, 3378, 3378, 3379]
    assert {(c["soh_count"], c["soh_state"]) for c in soh["cells"]} == {(0, "Normal")}
    assert [c["index"] for c in soh["cells"]] == list(range(1, 16))


@ENDINGS
def test_b66_time(ending):
    assert parse(parse_time, B66_TIME, ending) == {"command": "time", "clock": "Ds3231", "time": "2025-12-21 21:14:53"}


# Broken answers: one error class, a message naming command, line and expectation.

def strict(parser):
    """The parser as the driver reads its answer: a `pwr` module row or a cell row that was lost is an error."""
    def read(answer):
        result = parser(answer)
        if result.get("lost_rows"):
            lost = result["lost_rows"][0]
            raise ConsoleParseError(lost["reason"], command=result["command"], line=lost["line"])
        return result
    return read


def broken(name, old, new):
    data = capture(name)
    assert data.count(old) >= 1
    return frame_answer(data.replace(old, new, 1))


@pytest.mark.parametrize(("parser", "name", "old", "new", "message"), [
    (strict(parse_pwr), B66_PWR, b"50691", b"5o691", r"^pwr: line 4: column 'Volt': expected an integer, got '5o691'$"),
    (strict(parse_pwr), B66_PWR, b"3806 ", b"     ", r"^pwr: line 4: no value under 'Curr'$"),
    (strict(parse_pwr), B66_PWR, b"89%", b"89 ", r"^pwr: line 4: column 'Coulomb': expected a value like '89% 42586 mAH', got '89'$"),
    (strict(parse_pwr), B66_PWR, b"2025-12-21 20:53:06", b"2025-12-21 20:53   ", r"^pwr: line 4: column 'Time': expected a time"),
    (parse_pwr, B66_PWR, b"Power Volt", b"Power Vilt", r"^pwr: no table and no current, soc, voltage in the summary$"),
    (strict(parse_pwr), B66_PWR, b"3     -      -", b"3     -      7", r"^pwr: line 6: an 'Absent' row holds values$"),
    (strict(parse_pwr), B66_PWR, b"\r\r\n2     ", b"\r\r\n1     ", r"^pwr: line 5: expected row 2, got '1'$"),
    (strict(parse_pwr), C_PWR, b"27100    Normal\n2", b"27100    \n2", r"^pwr: line 4: no value under 'M.T.St'$"),
    (strict(parse_bat), B66_BAT, b"42586 mAH\r\r\n5", b"42586 mAX\r\r\n5", r"^bat: line 8: column 'Coulomb': expected a value like"),
    (strict(parse_bat), C_BAT_1, b"N\n3 ", b"?\n3 ", r"^bat: line 6: column 'BAL': expected Y or N, got '\?'$"),
    (parse_info, B66_INFO, b"48V/50AH", b"48V-50AH",
     r"^info: line 14: 'Specification': expected a specification like '48V/50AH', got '48V-50AH'$"),
    (parse_stat, B66_STAT, b"    430", b"    4x0", r"^stat: line 41: 'CYCLE Times': expected an integer, got '4x0'$"),
    (parse_pwr_module, C_PWR_1, b"49769       mV", b"49769       V",
     r"^pwr: line 6: 'Voltage': expected a value in mV, got '49769       V'$"),
    (parse_soh, B66_SOH, b"Power   1", b"Power", r"^soh: line 3: expected 'Label : value', got 'Power'$"),
    (parse_time, B66_TIME, b"21:14:53", b"21:1",
     r"^time: line 4: expected a time like '2025-12-21 20:53:06', got '2025-12-21 21:1'$"),
])
def test_garbled_answers_raise_one_clear_error(parser, name, old, new, message):
    with pytest.raises(ConsoleParseError, match=message):
        parser(broken(name, old, new))


def test_header_must_start_with_the_index_column():
    message = "bat: line 3: no cell table header \\(a line starting with 'Battery'\\); first line 'Volt     Battery"
    with pytest.raises(ConsoleParseError, match=message):
        parse_bat(broken(B66_BAT, b"Battery  Volt", b"Volt     Battery"))


def test_wrong_command_answer_is_an_error_not_values():
    for parser in (parse_pwr, parse_soh, parse_time, parse_pwr_module, parse_info, parse_stat):
        with pytest.raises(ConsoleParseError):
            parser(frame_answer(capture(B66_BAT)))


def test_truncated_before_completion_never_parses():
    data = capture(B66_PWR)
    for end in range(data.index(b"Command completed") + len(b"Command completed successfully")):
        with pytest.raises(ConsoleParseError):
            parse_pwr(frame_answer(data[:end]))


def test_truncated_row_in_a_partial_answer_is_an_error():
    data = capture(C_PWR)
    cut = data.index(b"-2700") + 2  # "2     49725  -2" then nothing: the cut line is mangled, never a row
    with pytest.raises(ConsoleParseError, match=re.escape("pwr: line 5: mangled on the wire")):
        strict(parse_pwr)(frame_answer(data[:cut], require_complete=False))
