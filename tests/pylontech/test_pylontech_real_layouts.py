"""Console layouts from real public captures beyond the two US2000 firmwares (sources in tests/data/SOURCES.md):
an SC-controller `bat` (high-voltage stack: `Bat ... V.State T.State AH(mAH) Bal`), a US3000C-era `pwr` whose
last modules print `-` for the MOS temperature, a `pylon_debug` `pwr` with `*.Id` and `SysAlarm.St` columns.
Expected values are read off the capture text by hand (mV -> V etc.), not produced by the parser."""

from __future__ import annotations

import pytest

from solarctl.devices.pylontech.commands import parse_bat, parse_pwr
from solarctl.devices.pylontech.framing import frame_answer
from solarctl.devices.pylontech.stack import cell_values, stack_values

from .captures import C_BAT_1, capture, with_line_endings

ENDINGS = pytest.mark.parametrize("ending", [b"\n", b"\r\r\n"], ids=["LF", "CR CR LF"])


def answer(name, ending):
    return frame_answer(with_line_endings(capture(name), ending), require_complete=False)


@ENDINGS
def test_sc_controller_bat_rows(ending):
    bat = parse_bat(answer("SC_bat_issue10-rows.txt", ending))
    assert bat["lost_rows"] == []
    cells = bat["cells"]
    assert [cell["voltage"] for cell in cells] == [3.301, 3.304, 3.304, 3.304, 3.304, 3.303, 3.303, 3.305]
    assert [cell["temperature"] for cell in cells] == [18.8] * 5 + [18.0] * 3
    assert {cell["current"] for cell in cells} == {-0.144}
    assert [cell["remaining_charge"] for cell in cells] == [33.819, 33.811, 33.819, 33.819, 33.811, 33.819, 33.819,
                                                            33.811]
    assert {cell["soc"] for cell in cells} == {68} and {cell["balancing"] for cell in cells} == {False}
    assert cells[0]["voltage_state"] == "Normal" and cells[0]["temperature_state"] == "Normal"
    assert [cell["index"] for cell in cells] == list(range(1, 9))


@ENDINGS
def test_us3000c_pwr_with_missing_mos_temperature(ending):
    pwr = parse_pwr(answer("US3000C_pwr_issue7114-4rows.txt", ending))
    modules = pwr["modules"]
    assert [m["voltage"] for m in modules] == [50.72, 50.69, 50.713, 50.665]
    assert [m["current"] for m in modules] == [12.333, 13.751, 13.066, 12.418]
    assert [m["soc"] for m in modules] == [72, 83, 84, 80]
    assert [m["mos_temperature"] for m in modules] == [25.3, 26.5, None, None]
    assert [m["cell_voltage_min"] for m in modules] == [3.38, 3.378, 3.378, 3.376]
    assert [m["time"] for m in modules] == ["2025-06-12 16:06:19"] + ["2025-06-12 16:06:18"] * 3
    stack = stack_values(pwr)
    assert stack["current"] == 51.568  # 12.333 + 13.751 + 13.066 + 12.418
    assert stack["soc"] == 79.75  # (72 + 83 + 84 + 80) / 4, equal capacities
    assert stack["alarms"] == []


@ENDINGS
def test_debug_pwr_with_id_and_system_alarm_columns(ending):
    pwr = parse_pwr(answer("US_pwr_SysAlarm_issue3-4rows.txt", ending))
    modules = pwr["modules"]
    assert [m["voltage"] for m in modules] == [49.124, 49.134, 49.143, 49.136]
    assert [m["current"] for m in modules] == [-1.55, -5.671, -2.987, -3.264]
    assert [m["temperature_min_id"] for m in modules] == [8, 8, 0, 0]
    assert [m["cell_voltage_max_id"] for m in modules] == [0, 1, 2, 1]
    assert [m["system_alarm_state"] for m in modules] == ["Normal"] * 4
    assert [m["soc"] for m in modules] == [57, 56, 57, 60]


def test_a_row_that_lost_bytes_on_the_wire_costs_that_row_only():
    """Bytes dropped mid-row shift the rest of it under other headers (`80% Normal` under one state column)."""
    data = capture(C_BAT_1)
    start = data.index(b"\n4 ") + 1
    row = data[start:data.index(b"\n", start)]
    data = data.replace(row, row[:40] + row[52:], 1)  # 12 characters lost
    bat = parse_bat(frame_answer(data))
    assert [lost["cell"] for lost in bat["lost_rows"]] == [5] and bat["lost_rows"][0]["reason"]
    whole = parse_bat(frame_answer(capture(C_BAT_1)))
    assert len(bat["cells"]) == len(whole["cells"]) - 1
    summary = cell_values(bat)
    assert summary["cell_voltages"][4] is None and summary["cell_voltages"][5] == whole["cells"][5]["voltage"]
    assert summary["alarms"][-1].startswith("cell 5: row lost: ")


def test_an_sc_controller_bat_numbered_by_module_keeps_each_modules_cells():
    """Synthetic edge case: two modules' cells each numbered from 0 (as a whole-stack `bat` may print them)."""
    text = capture("SC_bat_issue10-rows.txt").decode()
    header, *rows = text.splitlines()
    data = "\n".join([header, *rows, *rows]).encode() + b"\n"
    bat = parse_bat(frame_answer(data, require_complete=False))
    assert [cell.get("module") for cell in bat["cells"]] == [1] * 8 + [2] * 8
    assert len(cell_values(bat)["cell_voltages"]) == 16


SC_PWR = b"""pwr
@
Time: 2025-12-03 23:09:02
Bat.Avg.Tmpr     : 18500
D+D-.Volt        : 247512
B+B-.Volt        : 247620
Volt     Curr   Tempr  Tlow   Thigh  Vlow   Vhigh  Base.St  Volt.St  Curr.St  Temp.St  Coulomb              Time                 B.V.St   B.T.St
247620   -1440  18500  18000  18800  3301   3305   Dischg   Normal   Normal   Normal   68%      33819 mAH   2025-12-03 23:09:02  Normal   Normal
Command completed successfully
$$
pylon>"""


@ENDINGS
def test_sc_controller_pwr_summary_lines_then_one_row(ending):
    """Synthetic (marked): the SC0500/SC1000 `pwr` shape other projects' parsers document (labels before a one-row
    table without a `Power` column); no public capture of it was found."""
    pwr = parse_pwr(frame_answer(with_line_endings(SC_PWR, ending)))
    system = pwr["system"]
    assert (system["voltage"], system["current"], system["soc"], system["remaining_charge"]) == (247.62, -1.44, 68, 33.819)
    assert (system["cell_voltage_min"], system["cell_voltage_max"], system["temperature"]) == (3.301, 3.305, 18.5)
    assert system["time"] == "2025-12-03 23:09:02" and system["bat_avg_tmpr"] == "18500"
    from solarctl.devices.pylontech.stack import system_stack_values
    assert system_stack_values(system, pwr["columns"])["power"] == round(247.62 * -1.44, 3)


def test_a_capture_cut_before_the_completion_line_decodes_as_far_as_it_goes_and_says_so():
    from solarctl.devices.pylontech.decode import decode_capture
    values = decode_capture(capture("US3000C_pwr_issue7114-4rows.txt"))
    assert values["complete"] is False and len(values["modules"]) == 4
    assert values["stack"]["current"] == 51.568


def test_a_column_name_printed_twice_keeps_both_columns():
    """Synthetic edge case: a header repeating `Time` (the second column gets `Time 2`, kept as text)."""
    data = capture("US_pwr_SysAlarm_issue3-4rows.txt").replace(b"SysAlarm.St", b"Time       ", 1)
    pwr = parse_pwr(frame_answer(data, require_complete=False))
    assert pwr["lost_rows"] == [] and [m["time_2"] for m in pwr["modules"]] == ["Normal"] * 4
