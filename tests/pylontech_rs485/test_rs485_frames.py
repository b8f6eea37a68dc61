"""Pylontech RS485 (`~…` ASCII-hex) answers from real batteries, decoded; frames failing their checks refused.
Frames and their stated values: tests/data/SOURCES.md (python-pylontech tests, python-pylontech issue #31)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from solarctl.devices.pylontech_rs485.decode import decode_frame
from solarctl.devices.pylontech_rs485.frames import FrameError, decode, encode

DATA = Path(__file__).resolve().parent.parent / "data" / "pylontech_rs485"


def frame(name):
    return (DATA / name).read_bytes()


def test_us2000_three_modules():
    values = decode_frame(frame("us2000_3modules_analog.txt"))
    assert values["module_count"] == 3 and values["address"] == 2 and values["version"] == "2.0"
    first, second, third = values["modules"]
    assert first["cell_voltages"] == [3.303, 3.304, 3.302, 3.303, 3.304, 3.304, 3.304, 3.302, 3.301, 3.302, 3.304,
                                      3.303, 3.306, 3.301, 3.302]
    assert (first["current"], first["voltage"], first["temperature"]) == (-2.6, 49.545, 23.0)
    assert first["cell_temperatures"] == [22.0] * 4
    assert (first["remaining_charge"], first["capacity"], first["cycles"]) == (33.5, 50.0, 31)
    assert (second["current"], second["voltage"], third["current"], third["voltage"]) == (-2.5, 49.52, -2.7, 49.504)
    assert third["cell_temperatures"] == [21.0] * 4
    assert values["soc"] == 67.0 and values["current"] == -7.8  # 100 * 3 * 33.5 / 150; -2.6 - 2.5 - 2.7


def test_us3000_four_modules_with_24_bit_charges():
    values = decode_frame(frame("us3000_4modules_analog.txt"))
    modules = values["modules"]
    assert [m["remaining_charge"] for m in modules] == [61.42, 62.16, 59.2, 60.68]
    assert {m["capacity"] for m in modules} == {74.0}
    assert [m["cycles"] for m in modules] == [47, 40, 113, 107]
    assert [m["current"] for m in modules] == [0.0, -6.8, -7.3, -6.9]
    assert [m["voltage"] for m in modules] == [49.857, 49.586, 49.592, 49.593]
    assert modules[3]["cell_temperatures"] == [28.0, 28.0, 28.0, 27.0]
    assert values["soc"] == 82.2  # 100 * 243.46 / 296


def test_up2500_single_module_and_management_info():
    values = decode_frame(frame("up2500_single_analog.txt"))
    (module,) = values["modules"]
    assert module["index"] == 2 and module["cell_voltages"] == [3.33, 3.33, 3.33, 3.331, 3.328, 3.329, 3.329, 3.331]
    assert (module["current"], module["voltage"], module["remaining_charge"], module["capacity"]) == (
        -0.6, 26.638, 95.46, 111.0)
    management = decode_frame(frame("up2500_management.txt"))
    assert (management["charge_voltage_limit"], management["discharge_voltage_limit"]) == (28.4, 23.2)
    assert (management["charge_current_limit"], management["discharge_current_limit"]) == (55.5, -55.5)
    assert management["charge_enable"] and management["discharge_enable"] and not management["full_charge_request"]


def test_us5000_system_parameters():
    values = decode_frame(frame("us5000_system_parameters.txt"))
    assert (values["cell_voltage_high_limit"], values["cell_voltage_low_limit"], values["cell_voltage_under_limit"]) \
        == (3.65, 3.05, 2.8)
    assert (values["charge_current_limit"], values["discharge_current_limit"]) == (100.0, -100.0)
    assert (values["module_voltage_high_limit"], values["charge_temperature_low_limit"]) == (54.0, -10.0)


def test_encode_gives_the_published_request():
    # The analog-value request for module 2 as python-pylontech and the protocol's examples write it.
    assert encode(0x20, 0x02, 0x46, 0x42, bytes([0x02])) == b"~20024642E00202FD33\r"
    assert decode(encode(0x35, 0x03, 0x46, 0x93, bytes([0x03]))).version == 0x35


@pytest.mark.parametrize("change, message", [
    (lambda f: f.replace(b"B476", b"B477"), "checksum B477"),
    (lambda f: f.replace(b"~20024600914", b"~20024600814"), "length checksum"),
    (lambda f: f.replace(b"C350001F0F", b"C350001F0", 1), "LENID says"),
])
def test_bad_checksum_or_length_is_refused_with_a_non_zero_exit(tmp_path, change, message):
    bad = change(frame("us2000_3modules_analog.txt"))
    with pytest.raises(FrameError, match=message):
        decode_frame(bad)
    path = tmp_path / "bad.txt"
    path.write_bytes(bad)
    run = subprocess.run([sys.executable, "-m", "solarctl", "decode", "pylontech-rs485", str(path), "--json"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and run.stdout == "" and message.split()[0] in run.stderr


def test_decode_on_the_command_line():
    run = subprocess.run([sys.executable, "-m", "solarctl", "decode", "pylontech-rs485",
                          str(DATA / "us2000_3modules_analog.txt"), "--json"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["modules"][1]["voltage"] == 49.52
