"""Modbus RTU envelope (CRC-16/MODBUS, low byte first) for the JK frames.

Stand-in until solarctl/modbus (the project's framing package) is on this branch: the names and
signatures are those of solarctl.modbus.rtu, so switching is an import change.
"""

from __future__ import annotations


def crc16(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def encode_frame(unit: int, pdu: bytes) -> bytes:
    body = bytes((unit,)) + pdu
    return body + crc16(body).to_bytes(2, "little")


def crc_ok(frame: bytes) -> bool:
    return len(frame) >= 4 and crc16(frame[:-2]) == int.from_bytes(frame[-2:], "little")
