"""The register-model extensions: byte images, 8-bit fields, decimal-carry u32, byte-addressed maps."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solarctl.registers import (
    ByteOrder,
    Register,
    RegisterMap,
    WriteRejected,
    bytes_to_words,
    decode,
    decode_block,
    encode,
    encode_block,
    plan_blocks,
    plan_map,
    words_to_bytes,
)

MSB, LSB = ByteOrder.MSB_FIRST, ByteOrder.LSB_FIRST


def test_existing_layouts_are_unchanged():
    u32 = Register("energy", 0, "u32")
    assert decode(u32, [0x1234, 0x5678], MSB) == 0x12345678
    assert decode(u32, [0x1234, 0x5678], LSB) == 0x56781234
    s32 = Register("power", 0, "s32")
    assert decode(s32, [0xFFFF, 0xFFFE], MSB) == -2
    text = Register("name", 0, "str", length=3)
    assert decode(text, [0x4142, 0x4300], MSB) == "ABC"
    assert decode(text, [0x4241, 0x0043], LSB) == "ABC"
    assert encode(text, "ABC", MSB) == [0x4142, 0x4300]


def test_an_8bit_field_is_the_first_byte_of_its_register_in_the_map_order():
    soc = Register("soc", 0, "u8")
    assert decode(soc, [0x0164], MSB) == 1
    assert decode(soc, [0x0164], LSB) == 0x64
    temp = Register("temp", 0, "s8")
    assert decode(temp, [0xEC00], MSB) == -20
    assert encode(temp, -20, MSB) == [0xEC00]
    with pytest.raises(WriteRejected):
        encode(soc, 256)


def test_decimal_carry_u32_is_high_times_base_plus_low():
    # MUST PV1800 energy counter: high register x 1000 kWh + low register x 0.1 kWh.
    kwh = Register("energy", 0, "u32", word_base=10000, scale=0.1, unit="kWh")
    assert decode(kwh, [12, 3456], MSB) == 12345.6
    assert decode(kwh, [3456, 12], LSB) == 12345.6
    assert encode(kwh, 12345.6, MSB) == [12, 3456]
    assert encode(kwh, 0.1, MSB) == [0, 1]
    with pytest.raises(WriteRejected):
        encode(kwh, 0xFFFF * 1000 + 1000, MSB)  # the high register cannot carry it


def test_word_base_is_only_for_u32():
    with pytest.raises(ValueError, match="word_base"):
        Register("x", 0, "u16", word_base=1000)


@given(st.lists(st.integers(0, 0xFFFF), max_size=20), st.sampled_from([MSB, LSB]))
def test_words_bytes_round_trip(words, order):
    assert bytes_to_words(words_to_bytes(words, order), order) == words


def test_byte_addressed_fields_sit_at_their_byte_offset():
    # JK PB style: SOC is the second byte of the register pair at 0x12A6.
    regs = (Register("state", 0x12A6, "u8"), Register("soc", 0x12A7, "u8"), Register("cap", 0x12A8, "s32", scale=0.001))
    words = [0x0255, 0xFFFF, 0xFC18]  # 0x12A6..0x12AB
    assert decode_block(regs, 0x12A6, words, MSB, byte_addressed=True) == {"state": 2, "soc": 0x55, "cap": -1.0}
    # The same bytes little-endian (a 0x55AA frame image).
    image = bytes([0x02, 0x55, 0x18, 0xFC, 0xFF, 0xFF])
    assert decode_block(regs, 0x12A6, bytes_to_words(image, LSB), LSB, byte_addressed=True) == {"state": 2, "soc": 0x55, "cap": -1.0}


def test_byte_addressed_map_allows_byte_pairs_and_rejects_overlaps():
    RegisterMap("ok", (Register("a", 0x10, "u8"), Register("b", 0x11, "u8"), Register("c", 0x12, "u16")), byte_addressed=True)
    with pytest.raises(ValueError, match="overlaps"):
        RegisterMap("bad", (Register("a", 0x10, "u16"), Register("b", 0x11, "u8")), byte_addressed=True)
    with pytest.raises(ValueError, match="overlaps"):
        RegisterMap("bad", (Register("a", 0x10, "u8"), Register("b", 0x10, "u8")))


_BYTE_MAP = RegisterMap(
    "bytes",
    (
        Register("v", 0x1000, "u32", scale=0.001),
        Register("i", 0x1004, "s32", scale=0.001),
        Register("lo", 0x1008, "u8"),
        Register("hi", 0x1009, "u8"),
        Register("t", 0x100A, "s16", scale=0.1),
        Register("name", 0x100C, "str", length=5),
    ),
    byte_addressed=True,
)


@given(
    v=st.integers(0, 0xFFFFFFFF),
    i=st.integers(-0x80000000, 0x7FFFFFFF),
    lo=st.integers(0, 255),
    hi=st.integers(0, 255),
    t=st.integers(-0x8000, 0x7FFF),
    name=st.text(alphabet="ABCXYZ019", max_size=5),
    order=st.sampled_from([MSB, LSB]),
)
def test_encode_block_round_trips_a_byte_addressed_map(v, i, lo, hi, t, name, order):
    values = {"v": v / 1000, "i": i / 1000, "lo": lo, "hi": hi, "t": t / 10, "name": name}
    words = encode_block(_BYTE_MAP.registers, 0x1000, 9, values, order, byte_addressed=True)
    assert decode_block(_BYTE_MAP.registers, 0x1000, words, order, byte_addressed=True) == values


def test_byte_addressed_planning_counts_registers_and_aligns():
    blocks = plan_map(_BYTE_MAP, "fast")
    assert [(b.start, b.count) for b in blocks] == [(0x1000, 9)]  # 17 bytes -> 9 registers
    assert blocks[0].end == 0x1012
    # A lone odd-address byte is read through its whole register.
    (block,) = plan_blocks([_BYTE_MAP["hi"]], byte_addressed=True)
    assert (block.start, block.count) == (0x1008, 1)
    assert block.decode([0x0A0B], MSB) == {"hi": 0x0B}
    # max_count and max_gap are in registers, not bytes.
    split = plan_blocks(_BYTE_MAP.registers, max_count=4, byte_addressed=True)
    assert [(b.start, b.count) for b in split] == [(0x1000, 4), (0x1008, 2), (0x100C, 3)]
    apart = [Register("a", 0x1000, "u16"), Register("b", 0x1008, "u16")]  # 3 registers between
    assert len(plan_blocks(apart, max_gap=3, byte_addressed=True)) == 1
    assert len(plan_blocks(apart, max_gap=2, byte_addressed=True)) == 2
