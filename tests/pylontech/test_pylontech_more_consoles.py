"""Consoles beyond the US2000: a `bat` without current columns (Pytes), a `pwr N` whose charges carry
their own unit (mAS), the high-voltage stacks' system-summary `pwr` and box-drawn whole-stack `bat`,
and a `bat` with one row mangled on the wire. Parsers, then `solarctl decode pylontech-console`."""

from __future__ import annotations

import json

import pytest

from solarctl.devices.pylontech.commands import parse_bat, parse_pwr, parse_pwr_module
from solarctl.devices.pylontech.decode import decode_capture
from solarctl.devices.pylontech.errors import ConsoleParseError
from solarctl.devices.pylontech.framing import frame_answer
from solarctl.devices.pylontech.stack import cell_values, stack_values

from .captures import (
    B66_BAT, B66_PWR, C_BAT_1, DATA, FORCE_H2_BAT, FORCE_H2_PWR, PWR_1_CHARGE_IN_MAS, PYTES_BAT_NO_CURRENT, capture,
    with_mangled_row,
)
from .test_pylontech_cli import decode


def test_bat_without_current_columns():
    bat = parse_bat(frame_answer(capture(PYTES_BAT_NO_CURRENT)))
    assert bat["module"] == 1 and len(bat["cells"]) == 16
    assert "current" not in bat["columns"] and "current_state" not in bat["columns"]
    assert bat["cells"][0] == {"index": 1, "voltage": 3.331, "temperature": 24.1, "base_state": "Charge",
                               "voltage_state": "Normal", "temperature_state": "Normal", "soc": 78,
                               "remaining_charge": 78.1, "balancing": False}
    assert cell_values(bat)["cell_voltage_max"] == 3.333


def test_module_detail_with_charges_in_milliampere_seconds():
    module = parse_pwr_module(frame_answer(capture(PWR_1_CHARGE_IN_MAS)))
    assert (module["capacity"], module["remaining_charge"]) == (50.0, 47.0)  # 180000000 / 169200000 mAS in Ah
    assert module["cell_volt_diff"] == 0.012  # a label not known: its value in SI by its own unit (mV)
    assert (module["voltage"], module["current"], module["soc"]) == (49.769, -2.185, 94)


def test_module_detail_charge_in_an_unknown_unit_names_the_units_it_takes():
    data = capture(PWR_1_CHARGE_IN_MAS).replace(b"169200000   mAS", b"169200000   C")
    with pytest.raises(ConsoleParseError, match=r"'Remain Coulomb': expected a value in mAH or mAS, got '169200000"):
        parse_pwr_module(frame_answer(data))


def test_high_voltage_stack_pwr_is_a_system_summary():
    system = parse_pwr(frame_answer(capture(FORCE_H2_PWR)))["system"]
    assert {key: system[key] for key in ("voltage", "current", "soc", "soh", "capacity", "remaining_charge",
                                          "module_count", "cell_voltage_min", "cell_voltage_max", "state")} == {
        "voltage": 149.52, "current": -12.4, "soc": 72, "soh": 100, "capacity": 74.0, "remaining_charge": 53.28,
        "module_count": 3, "cell_voltage_min": 3.318, "cell_voltage_max": 3.328, "state": "discharging"}
    assert system["recommend_chg_voltage"] == 162.0


def test_high_voltage_stack_bat_lists_every_cell_between_box_drawing_characters():
    bat = parse_bat(frame_answer(capture(FORCE_H2_BAT)))
    summary = cell_values(bat)
    assert len(summary["cell_voltages"]) == 45 and bat["module"] is None
    assert summary["cell_voltages"][:3] == [3.318, 3.325, 3.321]
    assert summary["cell_temperatures"][44] == 24.0 and summary["alarms"] == []


@pytest.mark.parametrize("name, cell", [(B66_BAT, 1), (C_BAT_1, 7), (FORCE_H2_BAT, 45)])
def test_a_mangled_bat_row_costs_that_cell_and_is_reported(name, cell):
    bat = parse_bat(frame_answer(with_mangled_row(name, cell)))
    whole = parse_bat(frame_answer(capture(name)))
    assert [row["cell"] for row in bat["lost_rows"]] == [cell]
    assert len(bat["cells"]) == len(whole["cells"]) - 1
    summary = cell_values(bat)
    expected = cell_values(whole)["cell_voltages"]
    expected[cell - 1] = None
    assert summary["cell_voltages"] == expected
    assert summary["alarms"][-1] == f"cell {cell}: row mangled on the wire (line {bat['lost_rows'][0]['line']})"


def test_line_noise_in_a_pwr_row_costs_that_module_and_the_driver_refuses_the_stack_sum():
    pwr = parse_pwr(frame_answer(capture(B66_PWR).replace(b"50691", b"50\xb691")))
    assert pwr["lost_rows"] == [{"module": 1, "line": 4, "reason": "mangled on the wire"}]
    assert [module["index"] for module in pwr["modules"]] == [2, 3, 4, 5, 6, 7, 8]
    with pytest.raises(ConsoleParseError, match="^pwr: line 4: mangled on the wire$"):
        stack_values(pwr)


def test_more_mangled_bat_rows_than_readable_ones_is_no_table():
    data = capture(C_BAT_1)
    lines = data.split(b"\n")
    for i in range(3, 3 + 9):
        lines[i] = lines[i][:4] + b"\xff" + lines[i][5:]
    with pytest.raises(ConsoleParseError, match=r"bat: 6 cell rows readable, 9 mangled"):
        decode_capture(b"\n".join(lines))


@pytest.mark.parametrize("name", [PYTES_BAT_NO_CURRENT, PWR_1_CHARGE_IN_MAS, FORCE_H2_PWR, FORCE_H2_BAT])
def test_each_console_decodes_on_the_command_line(name):
    run = decode(DATA / name)
    assert run.returncode == 0, run.stderr
    values = json.loads(run.stdout)
    if name == FORCE_H2_PWR:
        assert (values["stack"]["voltage"], values["stack"]["power"]) == (149.52, -1854.048)
    elif name in (PYTES_BAT_NO_CURRENT, FORCE_H2_BAT):
        assert len(values["summary"]["cell_voltages"]) in (16, 45)


def test_mangled_row_on_the_command_line(tmp_path):
    path = tmp_path / "bat-noise.txt"
    path.write_bytes(with_mangled_row(B66_BAT, 3))
    run = decode(path)
    assert run.returncode == 0, run.stderr
    values = json.loads(run.stdout)
    assert values["summary"]["cell_voltages"][2] is None and values["lost_rows"][0]["cell"] == 3
