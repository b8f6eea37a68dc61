"""Protocol data units for FC03 (read holding registers), FC06 (write one) and FC16 (write many)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Sequence

READ_HOLDING = 0x03
WRITE_SINGLE = 0x06
WRITE_MULTIPLE = 0x10

EXCEPTION_TEXT = {
    0x01: "illegal function",
    0x02: "illegal data address",
    0x03: "illegal data value",
    0x04: "server device failure",
    0x05: "acknowledge",
    0x06: "server device busy",
    0x0A: "gateway path unavailable",
    0x0B: "gateway target device failed to respond",
}


class FrameError(ValueError):
    """Bytes that are not a well-formed answer to the request."""


class ModbusException(Exception):
    """The device answered with a Modbus exception response."""

    def __init__(self, function: int, code: int) -> None:
        self.function = function
        self.code = code
        super().__init__(f"Modbus exception {code:#04x} ({EXCEPTION_TEXT.get(code, 'unknown')}) to function {function:#04x}")


# --- client side ------------------------------------------------------------------------------

def read_request(address: int, count: int) -> bytes:
    if not 1 <= count <= 125:
        raise ValueError("FC03 reads 1..125 registers")
    return struct.pack(">BHH", READ_HOLDING, address, count)


def write_single_request(address: int, value: int) -> bytes:
    return struct.pack(">BHH", WRITE_SINGLE, address, value & 0xFFFF)


def write_multiple_request(address: int, values: Sequence[int]) -> bytes:
    if not 1 <= len(values) <= 123:
        raise ValueError("FC16 writes 1..123 registers")
    return struct.pack(f">BHHB{len(values)}H", WRITE_MULTIPLE, address, len(values), 2 * len(values), *(v & 0xFFFF for v in values))


def response_length(request: bytes) -> int:
    """Expected length of a normal response PDU (an exception response is 2 bytes)."""
    if request[0] == READ_HOLDING:
        count: int = struct.unpack_from(">H", request, 3)[0]
        return 2 + 2 * count
    return 5


def parse_response(request: bytes, pdu: bytes) -> list[int]:
    """Check `pdu` answers `request`; return the registers read (or written, for writes)."""
    if len(pdu) < 2:
        raise FrameError(f"response too short ({len(pdu)} bytes)")
    function = request[0]
    if pdu[0] == function | 0x80:
        raise ModbusException(function, pdu[1])
    if pdu[0] != function:
        raise FrameError(f"response is for function {pdu[0]:#04x}, asked {function:#04x}")
    if function == READ_HOLDING:
        count = struct.unpack_from(">H", request, 3)[0]
        if pdu[1] != 2 * count or len(pdu) != 2 + 2 * count:
            raise FrameError(f"asked {count} registers, answer carries {pdu[1] // 2} in {len(pdu)} bytes")
        return list(struct.unpack_from(f">{count}H", pdu, 2))
    if len(pdu) != 5 or pdu[1:5] != request[1:5]:
        raise FrameError("write echo does not match the request")
    if function == WRITE_SINGLE:
        return [struct.unpack_from(">H", pdu, 3)[0]]
    return list(struct.unpack_from(f">{request[5] // 2}H", request, 6))


# --- server side ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    function: int
    address: int
    count: int
    values: tuple[int, ...] = ()


def parse_request(pdu: bytes) -> Request:
    """Decode a request PDU; raises ModbusException(…, 0x01/0x03) for what a server must refuse."""
    if not pdu:
        raise FrameError("empty request")
    function = pdu[0]
    try:
        if function == READ_HOLDING:
            address, count = struct.unpack(">HH", pdu[1:5])
            if not 1 <= count <= 125:
                raise ModbusException(function, 0x03)
            return Request(function, address, count)
        if function == WRITE_SINGLE:
            address, value = struct.unpack(">HH", pdu[1:5])
            return Request(function, address, 1, (value,))
        if function == WRITE_MULTIPLE:
            address, count, nbytes = struct.unpack(">HHB", pdu[1:6])
            if not 1 <= count <= 123 or nbytes != 2 * count or len(pdu) != 6 + nbytes:
                raise ModbusException(function, 0x03)
            return Request(function, address, count, struct.unpack(f">{count}H", pdu[6:]))
    except struct.error:
        raise ModbusException(function, 0x03) from None
    raise ModbusException(function, 0x01)


def read_response(values: Sequence[int]) -> bytes:
    return struct.pack(f">BB{len(values)}H", READ_HOLDING, 2 * len(values), *values)


def write_response(request: Request) -> bytes:
    if request.function == WRITE_SINGLE:
        return struct.pack(">BHH", WRITE_SINGLE, request.address, request.values[0])
    return struct.pack(">BHH", WRITE_MULTIPLE, request.address, request.count)


def exception_response(function: int, code: int) -> bytes:
    return bytes((function | 0x80, code))
