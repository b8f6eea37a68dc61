"""The one decoder/encoder, checked against the vendor maps' own worked examples."""

import pytest
from hypothesis import given, strategies as st

from solarctl.registers import ByteOrder, Register, WriteRejected, decode, encode
from solarctl.registers.codec import check_write

LSB, MSB = ByteOrder.LSB_FIRST, ByteOrder.MSB_FIRST


def test_combox_temperature_example():
    # ComBox map 503-0253 §1 worked example: register 0x009A = 0x7440 -> 24.60 °C (kelvin x 100 - 273).
    reg = Register("battery_temperature", 0x9A, "u16", scale=0.01, offset=-273.0, unit="°C")
    assert decode(reg, [0x7440]) == 24.6


def test_word_order_follows_the_gateway_setting():
    # ComBox manual p. 3-26: 0x12345678 is sent as 5678 1234 with "LSB First".
    reg = Register("x", 0, "u32")
    assert decode(reg, [0x5678, 0x1234], LSB) == 0x12345678
    assert decode(reg, [0x1234, 0x5678], MSB) == 0x12345678
    assert encode(reg, 0x12345678, LSB) == [0x5678, 0x1234]
    assert encode(reg, 0x12345678, MSB) == [0x1234, 0x5678]


def test_negative_sint32_and_sign_flip():
    reg = Register("grid_power", 0x66, "s32", scale=-1.0, unit="W")  # XW reports import as negative
    assert encode(reg, 1500, LSB) == [(-1500) & 0xFFFF, 0xFFFF]
    assert decode(reg, [(-1500) & 0xFFFF, 0xFFFF], LSB) == 1500
    current = Register("dc_output_current", 0x5A, "s32", scale=0.001, unit="A")
    assert decode(current, [0xF830, 0xFFFF], LSB) == -2.0  # 0xFFFFF830 = -2000 mA


def test_string_byte_order():
    reg = Register("device_name", 0, "str", length=16)
    # LSB first: the first character of each pair sits in the low byte ("MPPT: West").
    words = [ord("P") << 8 | ord("M"), ord("T") << 8 | ord("P"), ord(" ") << 8 | ord(":"),
             ord("e") << 8 | ord("W"), ord("t") << 8 | ord("s"), 0, 0, 0]
    assert decode(reg, words, LSB) == "MPPT: West"
    assert encode(reg, "MPPT: West", LSB) == words
    assert decode(reg, encode(reg, "MPPT: East", MSB), MSB) == "MPPT: East"


def test_enum_and_bits():
    status = Register("inverter_status", 0x7A, "u16", enum={1025: "AC Pass Through", 1037: "Load Shaving"})
    assert decode(status, [1037]) == "Load Shaving"
    assert decode(status, [1039]) == "Unknown (1039)"  # never None, never a crash
    assert encode(status, "load shaving") == [1037]
    flags = Register("warnings", 0x46, "u16", bits={0: "W44", 2: "W48"}, flags="warning")
    assert decode(flags, [0b101]) == ["W44", "W48"]
    assert decode(flags, [0b1000]) == ["bit 3"]
    assert encode(flags, ["W48"]) == [0b100]


def test_scaled_values_have_no_float_noise():
    reg = Register("v", 0, "u32", scale=0.001, unit="V")
    assert decode(reg, [49676, 0], LSB) == 49.676
    assert encode(reg, 46.51, LSB) == [46510, 0]  # the old program truncated this to 46509


def test_check_write_whitelist_range_enum():
    lbco = Register("battery_low_voltage", 0x17C, "u32", scale=0.001, unit="V", writable=True, min=45, max=49)
    assert check_write(lbco, "46.5") == 46.5
    with pytest.raises(WriteRejected, match="outside the valid range 45 to 49 V"):
        check_write(lbco, 49.5)
    with pytest.raises(WriteRejected, match="not a number"):
        check_write(lbco, "abc")
    with pytest.raises(WriteRejected):
        check_write(lbco, float("nan"))
    shave = Register("load_shave", 0x1B2, "u16", enum={0: "Disable", 1: "Enable"}, writable=True)
    assert check_write(shave, "ENABLE") == "Enable"
    assert check_write(shave, 0) == "Disable"
    with pytest.raises(WriteRejected, match="0=Disable, 1=Enable"):
        check_write(shave, 2)
    with pytest.raises(WriteRejected, match="read-only"):
        check_write(Register("grid_power", 0x66, "s32"), 1)


def test_writable_number_without_range_is_refused_at_definition():
    with pytest.raises(ValueError, match="valid range"):
        Register("x", 0, "u16", writable=True)


@given(st.sampled_from(["u16", "s16", "u32", "s32"]), st.sampled_from([LSB, MSB]), st.data())
def test_round_trip(kind, order, data):
    reg = Register("x", 0, kind, scale=0.01)
    lo, hi = {"u16": (0, 0xFFFF), "s16": (-0x8000, 0x7FFF), "u32": (0, 0xFFFFFFFF), "s32": (-0x80000000, 0x7FFFFFFF)}[kind]
    raw = data.draw(st.integers(lo, hi))
    words = encode(reg, raw / 100, order)
    assert all(0 <= w <= 0xFFFF for w in words) and len(words) == reg.count
    assert decode(reg, words, order) == pytest.approx(raw / 100)
