"""JK PB over standard Modbus RTU: the register map, FC03 answers and FC10 switch writes."""

import pytest

from solarctl.devices.jk.errors import FrameError
from solarctl.devices.jk import pb_modbus
from solarctl.devices.jk.battery import pb_values
from solarctl.devices.jk.registers import JK_PB
from solarctl.modbus.rtu import crc_ok, encode_frame
from solarctl.registers import ByteOrder, encode, plan_map
from solarctl.registers.codec import check_write
from tests.mustjk.fixtures import frame

FC03 = frame("jk_modbus_live_fc03.hex")  # derived from the published v19 live frame, see its header


@pytest.mark.parametrize(
    "published",
    [
        # JK "BMS RS485 Modbus V1.0" PDF examples
        "01 03 00 05 00 02 D4 0A",
        "01 03 04 11 22 33 44 4B C6",
        "01 10 00 20 00 02 04 00 05 22 33 B9 03",
        "01 10 00 20 00 02 40 02",
        # test_vectors_frames.txt
        "01 03 12 00 00 80 41 12",
    ],
)
def test_rtu_crc_matches_the_spec_examples(published):
    raw = bytes.fromhex(published)
    assert crc_ok(raw)
    assert encode_frame(raw[0], raw[1:-2]) == raw


def test_fc03_data_of_the_spec_example():
    assert pb_modbus.fc03_data(bytes.fromhex("01 03 04 11 22 33 44 4B C6")) == (1, bytes.fromhex("11 22 33 44"))


def test_map_facts_from_the_spec():
    assert JK_PB.byte_addressed and JK_PB.byte_order is ByteOrder.MSB_FIRST
    assert JK_PB["cell_voltage_01"].address == 0x1200
    assert JK_PB["voltage"].address == 0x1290
    assert JK_PB["current"].address == 0x1298 and JK_PB["current"].type == "s32"
    assert JK_PB["alarms"].address == 0x12A0
    assert (JK_PB["balancer_state"].address, JK_PB["soc"].address) == (0x12A6, 0x12A7)  # one register, two bytes
    assert (JK_PB["charge_mosfet"].address, JK_PB["discharge_mosfet"].address) == (0x12C0, 0x12C1)


def test_live_reads_stay_within_the_bms_request_limit():
    blocks = plan_map(JK_PB, "fast")
    assert all(b.count <= 40 for b in blocks)
    assert blocks[0].start == 0x1200
    assert {r.name for b in blocks for r in b.registers} == {r.name for r in JK_PB.group("fast")}


def test_fc03_answer_decodes_to_the_published_values():
    v = pb_modbus.decode_live(pb_modbus.fc03_data(FC03)[1])
    assert (v["voltage"], v["current"], v["soc"], v["soh"]) == (54.028, -0.727, 100, 100)
    assert (v["cell_voltage_min"], v["cell_voltage_min_index"], v["cell_voltage_max"], v["cell_voltage_max_index"]) == (3.374, 10, 3.381, 1)
    assert v["cell_voltage_delta"] == 0.007
    assert (v["temperature"], v["temperature_mos"]) == (11.9, 12.8)
    assert (v["capacity_remaining"], v["capacity_full"], v["cycles"]) == (312.898, 314.0, 5)
    assert (v["charge_mosfet"], v["discharge_mosfet"]) == (True, True)


def test_planned_blocks_decode_the_same_as_one_read():
    data = pb_modbus.fc03_data(FC03)[1][:0xF8]  # the planned blocks that lie inside this answer
    merged = {}
    for block in plan_map(JK_PB, "fast"):
        chunk = data[block.start - 0x1200 :][: 2 * block.count]  # byte-addressed: a block starts at its byte offset
        if len(chunk) == 2 * block.count:
            merged.update(block.decode([int.from_bytes(chunk[i : i + 2], "big") for i in range(0, len(chunk), 2)], JK_PB.byte_order))
    assert pb_values(merged) == pb_modbus.decode_live(data)


def test_raw_register_words_are_accepted_too():
    words_hex = b"registers 0x1200\n" + pb_modbus.fc03_data(FC03)[1].hex(" ").encode()
    assert pb_modbus.decode_capture(words_hex) == pb_modbus.decode_capture(FC03.hex().encode())


@pytest.mark.parametrize(
    "setting, value, published",
    [
        # Published balancer write (ESP32 MUST/JK controller README, see SOURCES.md), unit 4.
        ("balancer_enabled", "on", "04 10 10 78 00 02 04 00 00 00 01 E8 E1"),
        ("balancer_enabled", "off", "04 10 10 78 00 02 04 00 00 00 00 29 21"),
    ],
)
def test_switch_writes_match_the_published_fc10_frames(setting, value, published):
    reg = JK_PB.setting(setting)
    words = encode(reg, check_write(reg, value), JK_PB.byte_order)
    pdu = bytes([0x10]) + reg.address.to_bytes(2, "big") + len(words).to_bytes(2, "big") + bytes([2 * len(words)])
    pdu += b"".join(w.to_bytes(2, "big") for w in words)
    assert encode_frame(4, pdu) == bytes.fromhex(published)


def test_the_three_switches_are_the_only_writable_registers():
    assert {(r.name, r.address) for r in JK_PB.settings()} == {("charge_enabled", 0x1070), ("discharge_enabled", 0x1074), ("balancer_enabled", 0x1078)}


@pytest.mark.parametrize(
    "answer, message",
    [
        (FC03[:-1] + bytes([FC03[-1] ^ 1]), "CRC mismatch"),
        (bytes.fromhex("01 83 02") + b"\xc0\xf1", "exception 0x02"),
        (encode_frame(1, bytes.fromhex("04 02 11 22")), "not an FC03 response"),
        (encode_frame(1, bytes.fromhex("03 06 11 22")), "byte count 6"),
        (b"\x01\x03", "too short"),
        (encode_frame(0, bytes.fromhex("03 02 11 22")), "address 0"),
    ],
)
def test_garbled_fc03_answers_are_refused_with_the_reason(answer, message):
    with pytest.raises(FrameError, match=message):
        pb_modbus.fc03_data(answer)


def test_a_read_too_short_for_the_metrics_is_refused():
    with pytest.raises(FrameError, match="incomplete, missing: .*soc"):
        pb_modbus.decode_capture(b"registers 0x1200\n" + pb_modbus.fc03_data(FC03)[1][:0x90].hex().encode())
