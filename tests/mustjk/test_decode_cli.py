"""`solarctl decode jk-pb|jk-4e57|jk-modbus FILE --json`, run as a subprocess."""

import json
import os
import subprocess
import sys

import pytest

from tests.mustjk.fixtures import path


def run(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "solarctl", "decode", *args], capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize(
    "protocol, fixture, expected",
    [
        ("jk-4e57", "jk_4e57_read_all_14s.hex", {"voltage": 53.59, "current": 2.08, "soc": 15, "cell_voltage_min_index": 9, "device_id": "Input Us"}),
        ("jk-pb", "jk_pb_live_v19.hex", {"frame_type": "live", "voltage": 54.028, "current": -0.727, "cell_voltage_delta": 0.007, "capacity_remaining": 312.898}),
        ("jk-pb", "jk_pb_info_v19.hex", {"frame_type": "info", "hardware_version": "19A", "software_version": "19.27"}),
        ("jk-modbus", "jk_modbus_live_fc03.hex", {"voltage": 54.028, "soc": 100, "cell_voltage_max_index": 1, "charge_mosfet": True}),
    ],
)
def test_decode_prints_json(protocol, fixture, expected):
    result = run(protocol, str(path(fixture)), "--json")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert {k: values[k] for k in expected} == expected


def test_decode_of_a_garbled_file_says_what_is_wrong(tmp_path):
    bad = tmp_path / "bad.hex"
    text = path("jk_4e57_read_all_14s.hex").read_text()
    bad.write_text(text.replace("54 D1", "54 D2"))
    result = run("jk-4e57", str(bad), "--json")
    assert result.returncode == 1
    assert "checksum mismatch" in result.stderr
    assert result.stdout == ""


def test_help_names_the_accepted_formats():
    result = run("--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for words in ("55 AA EB 90", "4E 57", "FC03 response frame", "raw register data", "0x1200"):
        assert words in text
