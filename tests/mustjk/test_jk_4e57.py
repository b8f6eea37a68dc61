"""JK 4E57 ("RS485 protocol V2.5") frames against the published request and 285-byte answer."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solarctl.devices.jk.errors import FrameError
from solarctl.devices.jk import proto4e57 as p
from solarctl.devices.jk.battery import METRICS
from solarctl.errors import DecodeError
from tests.mustjk.fixtures import frame

PUBLISHED = frame("jk_4e57_read_all_14s.hex")  # syssi docs/protocol-design-uart-ttl-gps-port.md


@pytest.mark.parametrize(
    "built, published",
    [
        # syssi doc and jkbms_ctrl.py constant (published)
        (lambda: p.read_all_request(), "4E 57 00 13 00 00 00 00 06 03 00 00 00 00 00 00 68 00 00 01 29"),
        # test_vectors_frames.txt (researcher; = jkbms_enable_chg.sh --cmd 2 --id 171 --value 01)
        (lambda: p.write_request(p.CHARGE_SWITCH, "on"), "4E 57 00 14 00 00 00 00 02 03 00 AB 01 00 00 00 00 68 00 00 01 D2"),
        (lambda: p.write_request(p.CHARGE_SWITCH, "off"), "4E 57 00 14 00 00 00 00 02 03 00 AB 00 00 00 00 00 68 00 00 01 D1"),
        (lambda: p.write_request(p.DISCHARGE_SWITCH, "on"), "4E 57 00 14 00 00 00 00 02 03 00 AC 01 00 00 00 00 68 00 00 01 D3"),
        (lambda: p.write_request(p.DISCHARGE_SWITCH, "off"), "4E 57 00 14 00 00 00 00 02 03 00 AC 00 00 00 00 00 68 00 00 01 D2"),
        (lambda: p.read_request(0x85), "4E 57 00 13 00 00 00 00 03 03 00 85 00 00 00 00 68 00 00 01 AB"),
    ],
)
def test_requests_match_the_published_frames(built, published):
    assert built() == bytes.fromhex(published)


def test_published_answer_decodes_to_the_published_values():
    frame_ = p.parse_frame(PUBLISHED)
    assert (frame_.command, frame_.source, frame_.transport, frame_.terminal) == (p.READ_ALL, p.SOURCE_BMS, p.REPLY, 0)
    v = p.battery_values(p.decode_fields(frame_.info))
    assert v["cell_voltages"] == [3.821, 3.834, 3.831, 3.820, 3.832, 3.834, 3.825, 3.832, 3.811, 3.834, 3.825, 3.835, 3.835, 3.826]
    assert (v["cell_voltage_min"], v["cell_voltage_min_index"]) == (3.811, 9)
    assert (v["cell_voltage_max"], v["cell_voltage_max_index"]) == (3.835, 12)
    assert v["cell_voltage_delta"] == 0.024
    assert v["voltage"] == 53.59
    assert v["current"] == 2.08  # 0x80D0, protocol version 1: bit 15 = charging
    assert (v["temperature_mos"], v["temperature"], v["temperatures"]) == (29, 30, [30, 28])
    assert v["temperature_sensor_count"] == 2
    assert v["soc"] == 15
    assert v["cycles"] == 4
    assert v["capacity_full"] == 14  # 0xAA capacity setting
    assert (v["charge_mosfet"], v["discharge_mosfet"], v["balancer_active"]) == (True, True, True)  # status 0x0007
    assert v["alarms"] == []
    assert v["cell_overvoltage_protection"] == 4.05
    assert v["cell_undervoltage_protection"] == 3.05
    assert v["balance_start_voltage"] == 3.3
    assert v["balance_trigger_voltage"] == 0.008
    assert v["cell_count"] == 14
    assert v["software_version"] == "H6.X__S6.1.3S__"
    assert v["operating_time_total"] == 57856 * 60  # minutes on the wire
    assert v["device_id"] == "Input Us"
    assert v["protocol_version"] == 1
    assert v["charge_undertemperature_protection"] == -20  # FF EC, signed
    assert "password" not in v


def test_frame_errors_are_decode_errors():
    assert issubclass(FrameError, DecodeError)


def test_code_0xad_is_two_bytes_and_the_stream_stays_in_step():
    fields = p.decode_fields(p.parse_frame(PUBLISHED).info)
    assert fields["current_calibration"] == 1.041  # AD 04 11 = 1041 mA
    assert fields["board_address"] == 1  # AE 01: read right after, not from AD's second byte
    assert fields["manufacturer_id"] == "BT3072020120000200521001"  # the last string, still in step


def test_every_metric_name_is_present_and_missing_ones_are_none():
    v = p.battery_values(p.decode_fields(p.parse_frame(PUBLISHED).info))
    assert list(v)[: len(METRICS)] == list(METRICS)
    assert v["soh"] is None and v["capacity_remaining"] is None and v["balance_current"] is None


def test_the_published_answer_is_rebuilt_byte_for_byte():
    assert p.read_all_response(p.decode_fields(p.parse_frame(PUBLISHED).info)) == PUBLISHED


@pytest.mark.parametrize(
    "raw, version, amps",
    [
        (0x80D0, 1, 2.08),  # published
        (0x07D0, 1, -20.0),  # spec: discharging 20 A -> 2000
        (0x87D0, 1, 20.0),  # spec: charging 20 A -> 34768
        (11000, 0, -10.0),  # spec: (10000 - 11000) x 0.01 = -10 A, discharge
        (9500, 0, 5.0),  # spec: (10000 - 9500) x 0.01 = 5 A, charging
    ],
)
def test_current_encoding_follows_the_protocol_version(raw, version, amps):
    info = bytes([0x84]) + raw.to_bytes(2, "big") + bytes([0xC0, version])
    assert p.decode_fields(info)["current"] == amps
    assert p.encode_fields({"current": amps, "protocol_version": version}) == info


def test_current_without_a_known_version_is_refused():
    with pytest.raises(FrameError, match="protocol version 2"):
        p.decode_fields(bytes([0x84, 0x80, 0xD0, 0xC0, 2]))


@pytest.mark.parametrize("raw, celsius", [(0, 0), (29, 29), (100, 100), (101, -1), (140, -40)])
def test_temperatures_use_the_100_offset(raw, celsius):
    info = bytes([0x80]) + raw.to_bytes(2, "big")
    assert p.decode_fields(info)["temperature_mos"] == celsius
    assert p.encode_fields({"temperature_mos": celsius}) == info


@pytest.mark.parametrize(
    "mangle, message",
    [
        (lambda b: b[:-1], "length field"),
        (lambda b: b + b"\x00", "length field"),
        (lambda b: b"\x4e\x58" + b[2:], "does not start with 4E 57"),
        (lambda b: b[:100] + bytes([b[100] ^ 0x01]) + b[101:], "checksum mismatch"),
        (lambda b: b[:-5] + b"\x69" + b[-4:], "end flag"),
        (lambda b: b[:10], "too short"),
    ],
)
def test_garbled_frames_are_refused_with_the_reason(mangle, message):
    with pytest.raises(FrameError, match=message):
        p.parse_frame(mangle(PUBLISHED))


@pytest.mark.parametrize(
    "info, message",
    [
        (bytes([0x85, 0x0F, 0x88, 0x01]), "unknown code 0x88"),
        (bytes([0xAD, 0x04]), r"code 0xad \(current_calibration\) needs 2 bytes"),
        (bytes([0x79, 0x04, 0x01, 0x0E, 0xED, 0x02]), "cell block"),
        (bytes([0x79, 0x06, 0x01, 0x0E, 0xED, 0x03, 0x0E, 0xED]), "cell numbers"),
        (bytes([0x85, 0x0F, 0x85, 0x10]), "appears twice"),
    ],
)
def test_garbled_streams_are_refused_with_the_reason(info, message):
    with pytest.raises(FrameError, match=message):
        p.decode_fields(info)


def test_a_request_is_not_decoded_as_an_answer():
    with pytest.raises(FrameError, match="request"):
        p.decode_capture(p.read_all_request().hex().encode())


# --- round trips (simulator side) ------------------------------------------------------------


def _field_values() -> st.SearchStrategy:
    def one(code, field):
        if code in p.TEMPERATURES:
            return st.integers(-40, 100)
        if field.enum is not None:
            return st.sampled_from(sorted(field.enum.values()))
        if field.bits is not None:
            return st.sets(st.sampled_from(sorted(field.bits))).map(lambda bits: [field.bits[b] for b in sorted(bits)])
        if field.type == "str":
            return st.text(alphabet="ABCdef0123_.-", max_size=field.length)
        lo, hi = {"u8": (0, 255), "u16": (0, 0xFFFF), "s16": (-0x8000, 0x7FFF), "u32": (0, 0xFFFFFFFF)}[field.type]
        return st.integers(lo, hi).map(lambda raw: round(raw * field.scale, 3) if field.scale != 1 else raw)

    plain = {f.name: one(code, f) for code, f in p.FIELDS.items() if code not in (p.CURRENT, p.VERSION)}
    return st.fixed_dictionaries(
        {
            "protocol_version": st.sampled_from([0, 1]),
            "cell_voltages": st.lists(st.integers(0, 0xFFFF).map(lambda mv: mv / 1000), max_size=32),
        },
        optional={**plain, "current": st.integers(-0x7FFF, 0x7FFF).map(lambda ca: ca / 100)},
    )


@settings(max_examples=150, deadline=None)
@given(fields=_field_values(), terminal=st.integers(0, 0xFFFFFFFF), record=st.integers(0, 0xFFFFFFFF))
def test_read_all_answer_round_trips(fields, terminal, record):
    if fields["protocol_version"] == 0 and "current" in fields:
        fields["current"] = min(max(fields["current"], -555.35), 100.0)  # version 0: raw = 10000 - 100 x A, 0..65535
    if not fields["cell_voltages"]:
        del fields["cell_voltages"]
    frame_ = p.parse_frame(p.read_all_response(fields, terminal, record))
    assert (frame_.terminal, frame_.record, frame_.transport) == (terminal, record, p.REPLY)
    assert p.decode_fields(frame_.info) == fields


@given(code=st.sampled_from([p.CHARGE_SWITCH, p.DISCHARGE_SWITCH]), on=st.booleans(), terminal=st.integers(0, 0xFFFFFFFF))
def test_write_requests_round_trip(code, on, terminal):
    frame_ = p.parse_frame(p.write_request(code, "on" if on else "off", terminal))
    assert (frame_.command, frame_.terminal) == (p.WRITE, terminal)
    assert p.decode_fields(frame_.info) == {p.FIELDS[code].name: "on" if on else "off"}
