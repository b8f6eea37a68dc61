"""The MBAP envelope of Modbus TCP: transaction id, protocol 0, length, unit id, then the PDU."""

from __future__ import annotations

import asyncio
import struct

from solarctl.modbus.pdu import FrameError

HEADER = struct.Struct(">HHHB")
MAX_PDU = 253


def encode_adu(transaction: int, unit: int, pdu: bytes) -> bytes:
    return HEADER.pack(transaction & 0xFFFF, 0, len(pdu) + 1, unit) + pdu


async def read_adu(reader: asyncio.StreamReader) -> tuple[int, int, bytes]:
    """Read one ADU; return (transaction, unit, pdu). Raises IncompleteReadError at EOF."""
    header = await reader.readexactly(HEADER.size)
    transaction, protocol, length, unit = HEADER.unpack(header)
    if protocol != 0 or not 2 <= length <= MAX_PDU + 1:
        raise FrameError(f"bad MBAP header (protocol {protocol}, length {length})")
    return transaction, unit, await reader.readexactly(length - 1)
