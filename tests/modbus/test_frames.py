import pytest

from solarctl.modbus import pdu, rtu


def test_crc16_modbus_known_vector():
    # Read 10 holding registers from unit 1 at 0: the textbook frame 01 03 00 00 00 0A C5 CD.
    assert rtu.encode_frame(1, pdu.read_request(0, 10)) == bytes.fromhex("01030000000AC5CD")
    assert rtu.crc_ok(bytes.fromhex("01030000000AC5CD"))
    assert not rtu.crc_ok(bytes.fromhex("01030000000AC5CE"))


def test_response_checks():
    req = pdu.read_request(0x40, 2)
    assert pdu.parse_response(req, bytes.fromhex("0304 0001 0002".replace(" ", ""))) == [1, 2]
    with pytest.raises(pdu.ModbusException) as exc:
        pdu.parse_response(req, bytes.fromhex("830B"))
    assert exc.value.code == 0x0B and "gateway target" in str(exc.value)
    with pytest.raises(pdu.FrameError, match="asked 2 registers"):
        pdu.parse_response(req, bytes.fromhex("0302 0001".replace(" ", "")))
    with pytest.raises(pdu.FrameError, match="function"):
        pdu.parse_response(req, bytes.fromhex("0604 0001 0002".replace(" ", "")))
    write = pdu.write_multiple_request(0x17C, [45500, 0])
    assert pdu.parse_response(write, bytes.fromhex("10017C0002")) == [45500, 0]
    with pytest.raises(pdu.FrameError, match="echo"):
        pdu.parse_response(write, bytes.fromhex("10017D0002"))


def test_server_side_refuses_what_it_must():
    with pytest.raises(pdu.ModbusException) as exc:
        pdu.parse_request(bytes.fromhex("03 0000 007E".replace(" ", "")))  # 126 registers
    assert exc.value.code == 0x03
    with pytest.raises(pdu.ModbusException) as exc:
        pdu.parse_request(bytes.fromhex("2B0E0100"))
    assert exc.value.code == 0x01
    req = pdu.parse_request(pdu.write_multiple_request(5, [1, 2, 3]))
    assert (req.function, req.address, req.count, req.values) == (0x10, 5, 3, (1, 2, 3))
