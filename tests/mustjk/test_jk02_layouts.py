"""JK02 0x55AA frames of real BMSs decoded exactly, whatever their layout (issue 21.2): the 24-cell JK02_24S frames of
a JK-B2A24S20P (firmware 10.07) and the 32-cell JK02_32S frames of PB BMSs (firmware 14.20, 15.38, 19.27); the layout
is told from the frame itself. Expected values are those the publishing project states for each frame (the frame
files' headers); the cells and what it does not state are worked out here from the byte offsets with `struct`, not
with the code under test (tests/data/SOURCES.md)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys

import pytest

from solarctl.decoders import decoder_for
from solarctl.devices.jk import pb_bus
from solarctl.errors import DecodeError
from tests.mustjk.fixtures import frame, path

# file -> (layout, cells, published values)
LIVE = {
    "jk02_24s_live_v10.hex": ("JK02_24S", 24, dict(
        voltage=78.735, current=0.0, cell_voltage_min=3.279, cell_voltage_min_index=3, cell_voltage_max=3.285,
        cell_voltage_max_index=23, temperature_1=20.7, temperature_2=20.7, temperature_mos=23.4, soc=85, soh=100,
        capacity_remaining=42.804, capacity_full=50.0, cycles=0, run_time=269340, charge_mosfet=True,
        discharge_mosfet=False, heating="off")),
    "jk02_24s_live_v10_neg_temps.hex": ("JK02_24S", 13, dict(
        voltage=42.786, current=0.0, cell_voltage_min=3.288, cell_voltage_min_index=5, cell_voltage_max=3.292,
        cell_voltage_max_index=1, cell_voltage_delta=0.004, temperature_1=-3.1, temperature_2=-2.9,
        temperature_mos=0.5, soc=47, soh=100, cycles=56, charge_mosfet=False, discharge_mosfet=False,
        heating="off")),
    "jk02_32s_live_v11.hex": ("JK02_32S", 16, dict(
        voltage=51.689, current=0.0, cell_voltage_min=3.216, cell_voltage_min_index=11, cell_voltage_max=3.246,
        cell_voltage_max_index=1, cell_voltage_delta=0.030, temperature_1=17.7, temperature_2=17.7,
        temperature_mos=17.3, soc=52, soh=100, capacity_remaining=1.043, capacity_full=2.0, cycles=0,
        run_time=107416, charge_mosfet=True, discharge_mosfet=True, heating="off")),
    "jk02_32s_live_v14.hex": ("JK02_32S", 16, dict(
        voltage=49.526, current=0.0, cell_voltage_min=2.851, cell_voltage_min_index=11, cell_voltage_max=3.175,
        cell_voltage_max_index=1, cell_voltage_delta=0.324, temperature_1=16.8, temperature_2=17.0,
        temperature_mos=18.2, soc=50, soh=100, capacity_remaining=1.007, capacity_full=2.0, cycles=0,
        run_time=124641, charge_mosfet=True, discharge_mosfet=True, heating="off")),
    "jk02_32s_live_v15.hex": ("JK02_32S", 16, dict(
        voltage=53.224, current=31.881, cell_voltage_min=3.320, cell_voltage_min_index=13, cell_voltage_max=3.337,
        cell_voltage_max_index=16, cell_voltage_delta=0.017, temperature_1=13.4, temperature_2=12.8,
        temperature_mos=12.9, soc=25, soh=100, capacity_remaining=49.286, capacity_full=200.0, cycles=9,
        run_time=24530060, charge_mosfet=True, discharge_mosfet=True, heating="off")),
    "jk_pb_live_v19.hex": ("JK02_32S", 16, dict(
        voltage=54.028, current=-0.727, cell_voltage_min=3.374, cell_voltage_min_index=10, cell_voltage_max=3.381,
        cell_voltage_max_index=1, cell_voltage_delta=0.007, temperature_1=11.9, temperature_2=12.7,
        temperature_mos=12.8, soc=100, soh=100, capacity_remaining=312.898, capacity_full=314.0, cycles=5,
        run_time=3609276, charge_mosfet=True, discharge_mosfet=True, heating="off")),
}

# Device-info frames: vendor, hardware, software as published; run time, power-on count, name, date and serial
# worked out here (byte offsets 6+0x20, 0x24, 0x28, 0x48, 0x50).
INFO = {
    "jk02_24s_info_v10.hex": dict(device_model="JK-B2A24S20P", hardware_version="10.XG", software_version="10.07",
                                  operating_time_total=269100, power_on_count=1, device_name="JK-B2A24S20P",
                                  manufacture_date="220511", serial_number="2041803028"),
    "jk02_32s_info_v11.hex": dict(device_model="JK_PB2A16S15P", hardware_version="14.XA", software_version="14.20",
                                  operating_time_total=107400, power_on_count=148, device_name="JK_PB2A16S15P",
                                  manufacture_date="231118", serial_number="3092572134"),
    "jk02_32s_info_v14.hex": dict(device_model="JK_PB2A16S15P", hardware_version="14.XA", software_version="14.20",
                                  operating_time_total=124500, power_on_count=156, device_name="JK_PB2A16S15P",
                                  manufacture_date="231118", serial_number="3092572134"),
    "jk02_32s_info_v15.hex": dict(device_model="JK_PB2A16S15P", hardware_version="15A", software_version="15.38",
                                  operating_time_total=24529800, power_on_count=29, device_name="JK_PB2A16new",
                                  manufacture_date="240516", serial_number="40110480520"),
    "jk_pb_info_v19.hex": dict(device_model="JK-PB2A16S20P", hardware_version="19A", software_version="19.27",
                               operating_time_total=3609000, power_on_count=16, device_name="506177F49000674",
                               manufacture_date="251101", serial_number="506177F49000674"),
}


def decode(name: str) -> dict:
    return decoder_for("jk-pb")(path(name).read_bytes())


def _string(data: bytes, offset: int, length: int) -> str:
    return data[6 + offset:6 + offset + length].split(b"\0")[0].decode("ascii")


@pytest.mark.parametrize("name", list(LIVE))
def test_live_frames_decode_exactly_in_the_layout_the_frame_has(name):
    layout, count, published = LIVE[name]
    values = decode(name)
    assert values["frame_type"] == "live" and values["layout"] == layout
    raw = frame(name)
    cells = [mv / 1000 for mv in struct.unpack_from(f"<{count}H", raw, 6)]
    assert values["cell_voltages"] == pytest.approx(cells, abs=1e-9)
    for key, expected in published.items():
        assert values[key] == pytest.approx(expected, abs=1e-9) if isinstance(expected, float) else \
            values[key] == expected, key
    assert values["power"] == pytest.approx(published["voltage"] * published["current"], abs=0.01)
    assert values["alarms"] == []


def test_a_24_cell_frame_has_the_fields_of_its_own_layout():
    """What the 24-cell frame holds where the 32-cell one has other fields, by hand from the offsets (frame offset):
    average 58, pack voltage 118, current 126, T1/T2 130/132, MOS 134, SoC 141, cycle capacity 154, SOH 158."""
    raw = frame("jk02_24s_live_v10.hex")
    values = decode("jk02_24s_live_v10.hex")
    assert values["cell_voltage_average"] == struct.unpack_from("<H", raw, 58)[0] / 1000 == 3.281
    assert values["cycle_capacity_total"] == struct.unpack_from("<I", raw, 154)[0] / 1000 == 13.561
    assert values["temperatures"] == [20.7, 20.7]  # two battery sensors; the MOS one apart
    assert "temperature_3" not in values and "temperature_sensors" not in values


@pytest.mark.parametrize("name", list(INFO))
def test_device_info_frames_decode_exactly(name):
    values = decode(name)
    raw = frame(name)
    assert values["frame_type"] == "info"
    assert values == {"frame_type": "info", **INFO[name]}
    # by hand from the offsets
    assert struct.unpack_from("<II", raw, 6 + 0x20) == (INFO[name]["operating_time_total"],
                                                        INFO[name]["power_on_count"])
    assert _string(raw, 0x50, 16) == INFO[name]["serial_number"]
    assert _string(raw, 0x28, 16) == INFO[name]["device_name"]


def test_a_24_cell_bms_settings_frame_decodes_exactly():
    values = decode("jk02_24s_settings_v10.hex")
    raw = frame("jk02_24s_settings_v10.hex")
    word = lambda offset: struct.unpack_from("<i", raw, 6 + offset)[0]  # noqa: E731
    assert values["frame_type"] == "settings"
    assert {k: values[k] for k in ("cell_undervoltage_protection", "cell_undervoltage_recovery",
                                   "cell_overvoltage_protection", "cell_overvoltage_recovery",
                                   "balance_trigger_voltage", "power_off_voltage", "max_charge_current",
                                   "max_discharge_current", "max_balance_current", "design_capacity",
                                   "balance_start_voltage")} == {
        "cell_undervoltage_protection": 2.9, "cell_undervoltage_recovery": 3.2, "cell_overvoltage_protection": 4.3,
        "cell_overvoltage_recovery": 4.2, "balance_trigger_voltage": 0.01, "power_off_voltage": 2.8,
        "max_charge_current": 25.0, "max_discharge_current": 150.0, "max_balance_current": 2.0,
        "design_capacity": 5.0, "balance_start_voltage": 3.3}
    assert (values["charge_overtemperature_protection"], values["discharge_overtemperature_protection"],
            values["charge_undertemperature_protection"], values["mos_overtemperature_protection"]) == \
        (word(0x4C) / 10, word(0x54) / 10, word(0x5C) / 10, word(0x64) / 10) == (70.0, 70.0, -20.0, 90.0)
    assert values["cell_count"] == word(0x6C) == 13
    assert (values["charge_enabled"], values["discharge_enabled"], values["balancer_enabled"]) == ("on",) * 3
    assert values["cell_soc100_voltage"] == values["cell_charge_voltage"] == 0.0  # not in firmware 10.x


def test_the_layout_comes_from_the_frame_not_from_a_setting():
    """The same decoder takes both layouts in one run; a 24-cell frame read with the 32-cell map alone would give
    0 V, 88 080 A and 719 degC (issue 15), so a frame that fits neither is refused."""
    assert [decode(n)["layout"] for n in ("jk_pb_live_v19.hex", "jk02_24s_live_v10.hex")] == ["JK02_32S", "JK02_24S"]
    body = bytearray(frame("jk02_24s_live_v10.hex")[:299])
    body[6 + 0x30] = 0xFB  # 24-cell mask with cell 3 missing
    with pytest.raises(DecodeError, match="no known layout"):
        decoder_for("jk-pb")((bytes(body) + bytes([sum(body) & 0xFF])).hex(" ").encode())


def test_a_24_cell_frame_in_a_whole_pb_bus_answer_names_the_acknowledging_unit():
    answer = frame("jk02_24s_live_v10.hex") + b"\x00" + pb_bus.ack(3, pb_bus.FrameType.LIVE) + b"\x00"
    reply = pb_bus.parse_reply(answer)
    assert (reply.unit, reply.layout.name) == (3, "JK02_24S")
    assert reply.metrics()["voltage"] == 78.735


REAL = [*LIVE, *INFO, "jk02_24s_settings_v10.hex", "jk_pb_settings_v19.hex"]


def test_solarctl_decode_decodes_each_real_capture():
    """`solarctl decode jk-pb FILE --json`, one process for every capture (the CLI as a user runs it)."""
    for name in REAL:
        run = subprocess.run([sys.executable, "-m", "solarctl", "decode", "jk-pb", str(path(name)), "--json"],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, (name, run.stderr)
        assert json.loads(run.stdout) == json.loads(json.dumps(decode(name))), name
