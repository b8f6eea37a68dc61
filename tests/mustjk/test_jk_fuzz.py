"""Mangled input never gets past a decoder as anything but a DecodeError (never a crash, never a
half-decoded frame). Mutations start from the published frames; some keep the checksum valid so
the field decoders behind it are exercised too."""

from hypothesis import given, settings
from hypothesis import strategies as st

from solarctl.devices.jk.errors import FrameError
from solarctl.devices.jk import pb_bus, pb_modbus, proto4e57
from solarctl.devices.jk.battery import pb_values
from solarctl.devices.jk.capture import hex_bytes
from solarctl.devices.must_pv1800 import identify
from solarctl.errors import DecodeError
from tests.mustjk.fixtures import frame

SEEDS_4E57 = [frame("jk_4e57_read_all_14s.hex")]
SEEDS_PB = [frame(n) for n in ("jk_pb_live_v19.hex", "jk_pb_settings_v19.hex", "jk_pb_info_v19.hex")]
SEED_FC03 = frame("jk_modbus_live_fc03.hex")


@st.composite
def mangled(draw, seeds):
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "delete", "set"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=4))
        elif kind == "delete" and data:
            del data[at : at + draw(st.integers(1, 4))]
        elif data:
            data[at] = draw(st.integers(0, 255))
    return bytes(data)


def only_decode_errors(call, *args, error=FrameError):
    try:
        call(*args)
    except error:
        pass


@settings(max_examples=300, deadline=None)
@given(data=mangled(SEEDS_4E57))
def test_4e57_frames(data):
    only_decode_errors(proto4e57.decode_capture, data.hex().encode())


@settings(max_examples=300, deadline=None)
@given(info=st.one_of(st.binary(max_size=300), mangled([proto4e57.parse_frame(SEEDS_4E57[0]).info])))
def test_4e57_code_streams_behind_a_valid_checksum(info):
    rebuilt = proto4e57.build_frame(proto4e57.Frame(proto4e57.READ_ALL, info, transport=proto4e57.REPLY))
    only_decode_errors(proto4e57.decode_capture, rebuilt.hex().encode())


@settings(max_examples=300, deadline=None)
@given(data=mangled(SEEDS_PB), ack=st.booleans())
def test_pb_answers(data, ack):
    answer = data + (b"\x00" + pb_bus.ack(1, pb_bus.FrameType.LIVE) if ack else b"")
    only_decode_errors(pb_bus.decode_capture, answer.hex().encode())
    only_decode_errors(pb_bus.parse_reply, answer)


@settings(max_examples=200, deadline=None)
@given(data=mangled(SEEDS_PB))
def test_pb_frames_behind_a_valid_checksum(data):
    body = (data[:299] + bytes(299))[:299]
    body = pb_bus.HEADER + body[4:]
    kind_and_values = None
    try:
        kind_and_values = pb_bus.parse_frame(body + bytes([sum(body) & 0xFF]))
    except FrameError:
        return
    if kind_and_values[0] is pb_bus.FrameType.LIVE:
        only_decode_errors(pb_values, kind_and_values[1])


@settings(max_examples=300, deadline=None)
@given(data=st.one_of(mangled([SEED_FC03]), st.binary(max_size=300)))
def test_modbus_captures(data):
    only_decode_errors(pb_modbus.decode_capture, data.hex().encode())


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400))
def test_hex_files(data):
    for decode in (pb_bus.decode_capture, proto4e57.decode_capture, pb_modbus.decode_capture):
        only_decode_errors(decode, data)
    only_decode_errors(hex_bytes, data)


@given(words=st.lists(st.integers(0, 0xFFFF), max_size=16))
def test_pv1800_identity(words):
    only_decode_errors(identify, words, error=DecodeError)  # NotPV1800, a DecodeError
