"""`solarctl decode pylontech-console FILE --json`, run as the user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

from .captures import B66_BAT, B66_PWR, C_PWR_1, DATA, capture


def decode(path):
    return subprocess.run(
        [sys.executable, "-m", "solarctl", "decode", "pylontech-console", str(path), "--json"],
        capture_output=True, text=True, timeout=60,
    )


def test_pwr_capture_prints_modules_and_stack():
    run = decode(DATA / B66_PWR)
    assert run.returncode == 0, run.stderr
    values = json.loads(run.stdout)
    assert values["command"] == "pwr"
    first = values["modules"][0]
    assert (first["voltage"], first["current"], first["temperature"], first["soc"]) == (50.691, 3.806, 17.0, 89)
    assert values["modules"][7] == {"index": 8, "present": False}
    assert (values["stack"]["voltage"], values["stack"]["current"], values["stack"]["module_count"]) == (50.682, 7.893, 2)


def test_bat_and_pwr_n_captures():
    bat = json.loads(decode(DATA / B66_BAT).stdout)
    assert bat["command"] == "bat" and bat["summary"]["cell_voltage_max"] == 3.381 and len(bat["cells"]) == 15
    module = json.loads(decode(DATA / C_PWR_1).stdout)
    assert (module["command"], module["index"], module["current"]) == ("pwr", 1, -2.185)


def test_capture_without_echo_is_recognised_by_its_header(tmp_path):
    data = capture(B66_BAT)
    path = tmp_path / "bat-table-only.txt"
    path.write_bytes(data[data.index(b"Battery"):])
    run = decode(path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["cells"][4]["voltage"] == 3.381


def test_a_garbled_row_costs_that_row_and_is_said(tmp_path):
    path = tmp_path / "garbled.txt"
    path.write_bytes(capture(B66_PWR).replace(b"4087", b"40#7"))
    run = decode(path)
    assert run.returncode == 0, run.stderr
    values = json.loads(run.stdout)
    assert values["lost_rows"] == [{"module": 2, "line": 5, "reason": "column 'Curr': expected an integer, got '40#7'"}]
    assert [module["index"] for module in values["modules"] if module["present"]] == [1]
    assert values["stack"]["alarms"][-1].startswith("module 2: row lost: column 'Curr'")


def test_a_capture_without_any_table_exits_non_zero_with_the_reason_on_stderr(tmp_path):
    path = tmp_path / "garbled.txt"
    path.write_bytes(capture(B66_PWR).replace(b"Power Volt", b"Power Vilt"))
    run = decode(path)
    assert run.returncode == 1 and run.stdout == ""
    assert "pwr: no table and no current, soc, voltage in the summary" in run.stderr
    assert "Traceback" not in run.stderr
