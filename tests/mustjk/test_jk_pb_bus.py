"""JK PB bus protocol: FC10 triggers, 300-byte 0x55AA frames and the FC10 ACK."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solarctl.devices.jk.errors import FrameError
from solarctl.devices.jk import pb_bus
from solarctl.devices.jk.battery import METRICS, pb_values
from solarctl.devices.jk.pb_bus import FrameType
from solarctl.devices.jk.registers import JK_PB
from tests.mustjk.fixtures import frame

LIVE = frame("jk_pb_live_v19.hex")  # syssi frames_jk02_32s_v19.h CELL_INFO (JK-PB2A16S20P)
SETTINGS = frame("jk_pb_settings_v19.hex")
INFO = frame("jk_pb_info_v19.hex")


@pytest.mark.parametrize(
    "kind, published",
    [
        # Published in the PB bus write-ups (see SOURCES.md), unit 1.
        (FrameType.LIVE, "01 10 16 20 00 01 02 00 00 D6 F1"),
        (FrameType.SETTINGS, "01 10 16 1E 00 01 02 00 00 D2 2F"),
        (FrameType.INFO, "01 10 16 1C 00 01 02 00 00 D3 CD"),
    ],
)
def test_trigger_requests_match_the_published_frames(kind, published):
    assert pb_bus.trigger_request(1, kind) == bytes.fromhex(published)
    assert pb_bus.parse_trigger_request(bytes.fromhex(published)) == (1, kind)


def test_live_frame_decodes_to_the_published_values():
    kind, raw = pb_bus.parse_frame(LIVE)
    assert kind is FrameType.LIVE
    v = pb_values(raw)
    assert v["voltage"] == 54.028
    assert v["current"] == -0.727
    assert v["power"] == round(54.028 * -0.727, 3)
    assert len(v["cell_voltages"]) == 16
    assert v["cell_voltages"][0] == 3.381 and v["cell_voltages"][15] == 3.377
    assert (v["cell_voltage_min"], v["cell_voltage_min_index"]) == (3.374, 10)
    assert (v["cell_voltage_max"], v["cell_voltage_max_index"]) == (3.381, 1)
    assert v["cell_voltage_delta"] == 0.007
    assert v["temperature"] == 11.9 and v["temperatures"][:2] == [11.9, 12.7]
    assert v["temperature_mos"] == 12.8
    assert (v["temperature_1"], v["temperature_2"]) == (11.9, 12.7)
    assert (v["soc"], v["soh"]) == (100, 100)
    assert (v["capacity_remaining"], v["capacity_full"]) == (312.898, 314.0)
    assert v["cycles"] == 5
    assert v["run_time"] == 3609276
    assert (v["charge_mosfet"], v["discharge_mosfet"]) == (True, True)
    assert v["heating"] == "off"
    assert v["alarms"] == []
    assert list(v)[: len(METRICS)] == list(METRICS)


def test_settings_frame_decodes_the_published_control_bits():
    kind, raw = pb_bus.parse_frame(SETTINGS)
    assert kind is FrameType.SETTINGS
    # Published: byte 282 (the low byte) = 0x01, heating on, port switch on CAN (bit 3 clear).
    assert "heating" in raw["control_switches"]
    assert "port is RS485 (clear: CAN)" not in raw["control_switches"]
    assert raw["cell_count"] == 16
    assert (raw["charge_enabled"], raw["discharge_enabled"], raw["balancer_enabled"]) == ("on", "on", "on")


def test_info_frame_decodes_the_published_versions():
    kind, raw = pb_bus.parse_frame(INFO)
    assert kind is FrameType.INFO
    assert (raw["device_model"], raw["hardware_version"], raw["software_version"]) == ("JK-PB2A16S20P", "19A", "19.27")


@pytest.mark.parametrize("unit", [0, 1, 15])
@pytest.mark.parametrize("echo", [b"", "request"])
def test_the_ack_tells_which_unit_answered(unit, echo):
    request = pb_bus.trigger_request(unit, FrameType.LIVE)
    answer = (request if echo else b"") + LIVE + b"\x00" + pb_bus.ack(unit, FrameType.LIVE) + b"\x00"
    reply = pb_bus.parse_reply(answer)
    assert (reply.unit, reply.frame_type) == (unit, FrameType.LIVE)
    assert reply.values == pb_bus.parse_frame(LIVE)[1]
    # The ACK is the standard FC10 answer: unit 10 16 20 00 01 CRC.
    assert pb_bus.ack(1, FrameType.LIVE)[:6] == bytes.fromhex("01 10 16 20 00 01")


def test_reply_without_pad_byte_is_read_too():
    assert pb_bus.parse_reply(LIVE + pb_bus.ack(3, FrameType.LIVE)).unit == 3


@pytest.mark.parametrize(
    "answer, message",
    [
        (LIVE[:299], "300 bytes, got 299"),
        (LIVE[:-1] + bytes([LIVE[-1] ^ 0xFF]) + b"\x00" + pb_bus.ack(1, FrameType.LIVE), "checksum mismatch"),
        (b"\x55\xaa\xeb\x91" + LIVE[4:], "no 55 AA EB 90"),
        (LIVE + b"\x00" + pb_bus.ack(1, FrameType.LIVE)[:-1] + b"\x00", "no valid FC10 acknowledgement"),
        (LIVE + b"\x00" + pb_bus.ack(1, FrameType.SETTINGS), "acknowledgement is for a settings trigger"),
        (bytes(12) + LIVE + b"\x00" + pb_bus.ack(1, FrameType.LIVE), "12 unexpected bytes"),
    ],
)
def test_garbled_answers_are_refused_with_the_reason(answer, message):
    with pytest.raises(FrameError, match=message):
        pb_bus.parse_reply(answer)


def test_unknown_frame_type_is_refused():
    bad = LIVE[:4] + b"\x07" + LIVE[5:-1]
    with pytest.raises(FrameError, match="unknown frame type 0x07"):
        pb_bus.parse_frame(bad + bytes([sum(bad) & 0xFF]))


@pytest.mark.parametrize("kind", list(FrameType))
def test_published_frames_are_rebuilt_field_for_field(kind):
    source = {FrameType.LIVE: LIVE, FrameType.SETTINGS: SETTINGS, FrameType.INFO: INFO}[kind]
    _, values = pb_bus.parse_frame(source)
    rebuilt = pb_bus.build_frame(kind, values)
    assert pb_bus.parse_frame(rebuilt) == (kind, values)


def _area_values(kind: FrameType) -> st.SearchStrategy:
    area = pb_bus.AREAS[kind]
    regs = [r for r in JK_PB if area <= r.address < area + pb_bus.DATA_LENGTH]

    def one(reg):
        if reg.enum is not None:
            return st.sampled_from(sorted(reg.enum.values()))
        if reg.bits is not None:
            return st.sets(st.sampled_from(sorted(reg.bits))).map(lambda bits: [reg.bits[b] for b in sorted(bits)])
        if reg.type == "str":
            return st.text(alphabet="JK-PB0123A._", max_size=reg.length)
        lo, hi = {"u8": (0, 255), "u16": (0, 0xFFFF), "s16": (-0x8000, 0x7FFF), "u32": (0, 0xFFFFFFFF), "s32": (-(2**31), 2**31 - 1)}[reg.type]
        return st.integers(lo, hi).map(lambda raw: round(raw * reg.scale, 3) if reg.scale != 1 else raw)

    return st.fixed_dictionaries({r.name: one(r) for r in regs})


def _cells(millivolts: list[int]) -> dict:
    """A 32-cell live area holding these cells (at most 24: the frame's bytes 0x30-0x37 then read as no 24-cell
    mask) and nothing beyond them."""
    cells = {f"cell_voltage_{i + 1:02d}": (millivolts[i] / 1000 if i < len(millivolts) else 0.0) for i in range(32)}
    average = round(sum(millivolts) / len(millivolts)) / 1000
    return {**cells, "cell_present": (1 << len(millivolts)) - 1, "cell_voltage_average": average}


@settings(max_examples=40, deadline=None)
@given(data=st.data(), unit=st.integers(0, 255), kind=st.sampled_from(list(FrameType)))
def test_reply_round_trips(data, unit, kind):
    values = data.draw(_area_values(kind))
    if kind is FrameType.LIVE:  # a live frame is read only in a layout it fits: cells 1..n, their mean as average
        values = {**values, **_cells(data.draw(st.lists(st.integers(500, 5000), min_size=1, max_size=24)))}
    reply = pb_bus.parse_reply(pb_bus.trigger_request(unit, kind) + pb_bus.build_reply(unit, kind, values))
    assert (reply.unit, reply.frame_type, reply.values) == (unit, kind, values)


@given(unit=st.integers(0, 255), kind=st.sampled_from(list(FrameType)))
def test_trigger_request_round_trips(unit, kind):
    assert pb_bus.parse_trigger_request(pb_bus.trigger_request(unit, kind)) == (unit, kind)
    assert pb_bus.parse_ack(pb_bus.ack(unit, kind)) == (unit, kind)
