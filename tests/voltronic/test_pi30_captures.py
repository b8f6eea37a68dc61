"""Real PI30 answers (tests/data/voltronic, provenance in SOURCES.md) decode to the values their source states,
their CRCs check, our requests are byte-for-byte the published ones, and damaged frames are refused."""

from __future__ import annotations

import binascii
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from solarctl.decoders import decoder_for
from solarctl.devices.voltronic.frames import FrameError, crc, decode_answer, encode_answer, encode_request
from solarctl.errors import DecodeError

DATA = Path(__file__).parent.parent / "data" / "voltronic"
decode = decoder_for("voltronic-pi30")  # as `solarctl decode` runs it: the catalogue's ranges and rules checked


def capture(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_qpigs_of_the_mpp_solar_maintainers_inverter():
    values = decode(capture("mpp-solar_qpigs.bin"))
    stated = {  # tests/integration/test_protocol_pi30.py `expected`, in our names
        "grid_voltage": 0.0, "grid_frequency": 0.0, "output_voltage": 230.0, "output_frequency": 49.9,
        "output_apparent_power": 161, "load_power": 119, "load_percent": 3, "bus_voltage": 460,
        "battery_voltage": 57.5, "battery_charge_current": 12, "battery_soc": 100, "heat_sink_temperature": 69,
        "pv_current": 14, "pv_voltage": 103.8, "scc_battery_voltage": 57.45, "battery_discharge_current": 0,
        "pv_power": 856,
    }
    assert {k: values[k] for k in stated} == stated
    # Set there: SCC firmware updated, load on, charging on, SCC charging on; switched on. Clear: the rest.
    assert values["status"] == ["SCC firmware updated", "load on", "charging", "SCC charging", "switched on"]
    assert values["battery_current"] == 12 and values["battery_power"] == pytest.approx(690.0)  # worked out here


def test_qpigs_of_a_pi30_max_with_extra_fields():
    values = decode(capture("mpp-solar-max_qpigs.bin"))
    assert values["grid_voltage"] == 227.2 and values["load_power"] == 751 and values["battery_voltage"] == 54.5
    assert values["pv_current"] == 2.7 and values["pv_voltage"] == 323.6 and values["pv_power"] == 879
    assert values["scc_battery_voltage"] == 0.0 and values["battery_soc"] == 83


def test_qpiri_settings_and_ratings():
    values = decode(capture("mpp-solar_qpiri.bin"))
    stated = {
        "grid_rating_voltage": 230.0, "grid_rating_current": 21.7, "output_rating_voltage": 230.0,
        "output_rating_frequency": 50.0, "output_rating_current": 21.7, "output_rating_apparent_power": 5000,
        "output_rating_power": 4000, "battery_rating_voltage": 48.0, "battery_recharge_voltage": 46.0,
        "battery_under_voltage": 42.0, "battery_bulk_voltage": 56.4, "battery_float_voltage": 54.0,
        "battery_type": "AGM", "grid_charge_current": 10, "max_charge_current": 10, "input_voltage_range": "UPS",
        "output_source_priority": "Utility first", "charger_source_priority": "Utility first",
        "parallel_max_units": 6, "machine_type": "Off grid", "topology": "transformerless",
        "output_mode": "single machine", "battery_redischarge_voltage": 54.0,
    }
    assert {k: values[k] for k in stated} == stated


def test_qpiws_bits_qflag_qpi_qmod():
    assert decode(capture("mpp-solar_qpiws.bin"))["warnings"] == ["line fail", "overload"]
    assert decode(capture("mpp-solar_qpiws.bin"))["faults"] == []  # no inverter fault: overload is a warning
    assert decode(capture("mpp-solar_qpiws_long.bin"))["warnings"] == ["PV loss"]
    assert decode(capture("mpp-solar-max_qpiws_36.bin")) == {"command": "QPIWS", "faults": [], "warnings": []}
    flags = decode(capture("mpp-solar_qflag.bin"))
    assert [k for k, v in flags.items() if v is True] == ["buzzer", "lcd_return_to_default", "lcd_backlight",
                                                          "primary_source_interrupt_alarm"]
    assert [k for k, v in flags.items() if v is False] == ["overload_bypass", "power_saving", "overload_restart",
                                                           "over_temperature_restart", "fault_code_record"]
    assert decode(capture("mpp-solar_qpi.bin"))["protocol_id"] == "PI30"
    assert decode(capture("mpp-solar-max_qmod_battery.bin")) == {"command": "QMOD", "mode": "Battery", "on_grid": False}
    assert decode(capture("mpp-solar-max_qmod_standby.bin"))["mode"] == "Standby"


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.bin")))
def test_every_real_answer_has_a_good_crc_and_a_damaged_byte_is_refused(name):
    frame = capture(name).split(b"\n", 1)[1]
    assert crc(frame[:-3]) == frame[-3:-1]
    assert encode_answer(decode_answer(frame)) == frame  # our encoder writes the same bytes back
    damaged = bytearray(frame)
    damaged[2] ^= 0x01  # one bit of one character
    with pytest.raises(FrameError, match="CRC"):
        decode_answer(bytes(damaged))


@pytest.mark.parametrize("command, published", [
    ("QPIGS", b"QPIGS\xb7\xa9\r"), ("QMOD", b"QMOD\x49\xc1\r"), ("QPIRI", b"QPIRI\xf8\x54\r"),
    ("QPIWS", b"QPIWS\xb4\xda\r"), ("QID", b"QID\xd6\xea\r"), ("QPI", b"QPI\xbe\xac\r"),
])
def test_requests_are_the_published_frames(command, published):
    assert encode_request(command) == published


def test_ack_nak_and_the_reserved_byte_adjustment():
    assert encode_answer("ACK") == b"(ACK\x39\x20\r" and encode_answer("NAK") == b"(NAK\x73\x73\r"
    # CRC-16/XMODEM computed independently (binascii.crc_hqx, start 0); where a byte of it is `(`, CR or LF the
    # protocol sends that byte one higher, and the frame still decodes.
    reserved = 0
    for n in range(4000):
        body = b"(%05d" % n
        raw = binascii.crc_hqx(body, 0).to_bytes(2, "big")
        expected = bytes(b + 1 if b in (0x28, 0x0D, 0x0A) else b for b in raw)
        assert crc(body) == expected
        if raw != expected:
            reserved += 1
            assert decode_answer(encode_answer(body[1:].decode())) == body[1:].decode()
    assert reserved > 10  # the adjustment was exercised


@pytest.mark.parametrize("data, reason", [
    (b"QPIGS\n(000.0 00.0\x00\x00\r", "CRC"),
    (b"QPIRI\n" + encode_answer("230.0 21.7 230.0"), "at least 25 fields"),
    (b"QPIGS\n" + encode_answer("000.0 00.0 230.0 49.9 0161 0119 003 460 5x.50 012 100 0069 0014 103.8 57.45 00000 "
                                "00110110 00 00 00856 010"), "battery_voltage = '5x.50' is not a number"),
    (b"QPIGS\n" + encode_answer("000.0 00.0 230.0 49.9 0161 0119 003 460 957.50 012 100 0069 0014 103.8 57.45 00000 "
                                "00110110 00 00 00856 010"), "outside its physical range"),
    (b"QMOD\n" + encode_answer("X"), "no mode"),
    (b"QPIGS\n" + encode_answer("NAK"), "NAK"),
    (b"QWHAT\n" + encode_answer("ACK"), "names the command"),
])
def test_bad_answers_are_refused_with_a_reason(data, reason):
    with pytest.raises(DecodeError, match=reason):
        decode(data)


def test_solarctl_decode_prints_json_and_fails_on_a_bad_frame(tmp_path):
    def run(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "solarctl", "decode", "voltronic-pi30", str(path), "--json"],
                              capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})

    good = run(DATA / "mpp-solar_qpigs.bin")
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["pv_power"] == 856
    bad = tmp_path / "bad.bin"
    bad.write_bytes(capture("mpp-solar_qpigs.bin").replace(b"57.50", b"57.51"))
    failed = run(bad)
    assert failed.returncode == 1 and "CRC" in failed.stderr


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.bin")))
def test_no_single_damaged_byte_of_a_real_answer_decodes(name):
    """CRC-16 catches every error within 16 bits: whatever one byte of an answer becomes, the decoder refuses it."""
    command, frame = capture(name).split(b"\n", 1)
    for at in range(len(frame) - 1):  # every byte but the final CR
        for flip in (0x01, 0x10, 0x80, 0xFF):
            damaged = bytearray(frame)
            damaged[at] ^= flip
            if damaged[at] == ord("\r"):
                continue  # an early CR ends the frame: the wire reader would take a shorter frame, refused likewise
            with pytest.raises(DecodeError):
                decode(command + b"\n" + bytes(damaged))
