"""One `~…\\r` frame of the Pylontech RS485 protocol (version 2.0 `0x20` and 3.5 `0x35` use the same frame).

    ~ VER ADR CID1 CID2 LENGTH INFO CHKSUM \\r      every field ASCII hex; CID2 is the command in a request and
                                                    the return code (0 = normal) in an answer

LENGTH is LCHKSUM (4 bits) + LENID (12 bits, the number of ASCII characters of INFO); LCHKSUM is the two's
complement of the sum of LENID's three nibbles, mod 16. CHKSUM is the two's complement of the sum of every
character between `~` and CHKSUM, mod 65536. A frame failing either is refused, never read.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from solarctl.errors import DecodeError

BATTERY = 0x46  # CID1 of a battery
RETURN_CODES = {0: "normal", 1: "version error", 2: "checksum error", 3: "length checksum error",
                4: "CID2 invalid", 5: "command format error", 6: "invalid data", 0x90: "address error",
                0x91: "communication error"}
_NOT_HEX = re.compile(rb"[^0-9A-Fa-f]")


class FrameError(DecodeError):
    """A frame that fails its checks: one sentence saying which."""


class Frame(NamedTuple):
    version: int
    address: int
    cid1: int
    cid2: int  # the command (request) or the return code (answer)
    info: bytes  # INFO as raw bytes (decoded from its hex)


def length_field(chars: int) -> int:
    lchksum = (-((chars & 0xF) + ((chars >> 4) & 0xF) + ((chars >> 8) & 0xF))) & 0xF
    return (lchksum << 12) | chars


def checksum(body: bytes) -> int:
    return (-sum(body)) & 0xFFFF


def encode(version: int, address: int, cid1: int, cid2: int, info: bytes = b"") -> bytes:
    """A whole frame, `~` to CR."""
    hex_info = info.hex().upper().encode()
    if len(hex_info) > 0xFFF:
        raise ValueError(f"INFO of {len(hex_info)} characters does not fit LENID")
    body = b"%02X%02X%02X%02X%04X" % (version, address, cid1, cid2, length_field(len(hex_info))) + hex_info
    return b"~" + body + b"%04X" % checksum(body) + b"\r"


def decode(data: bytes) -> Frame:
    """The frame in `data` (bytes before `~` and after CR ignored), its length and checksum verified."""
    start = data.find(b"~")
    if start < 0:
        raise FrameError("no `~` frame start")
    end = data.find(b"\r", start)
    text = data[start + 1:end if end >= 0 else len(data)].rstrip(b"\n ")
    if bad := _NOT_HEX.search(text):
        raise FrameError(f"byte {bad.group()[0]:#04x} at character {bad.start() + 1} of the frame is not ASCII hex")
    if len(text) < 16:
        raise FrameError(f"a frame has at least 16 characters between `~` and CR, this one {len(text)}")
    body, sent = text[:-4], int(text[-4:], 16)
    length = int(body[8:12], 16)
    chars = length & 0xFFF
    if length != length_field(chars):
        raise FrameError(f"length checksum: LENGTH {length:04X} but LENID {chars} needs {length_field(chars):04X}")
    if len(body) - 12 != chars:
        raise FrameError(f"LENID says {chars} INFO characters, the frame has {len(body) - 12}")
    if sent != checksum(body):
        raise FrameError(f"checksum {sent:04X}, the frame's characters give {checksum(body):04X}")
    if chars % 2:
        raise FrameError(f"INFO of {chars} characters is not whole bytes")
    version, address, cid1, cid2 = (int(body[i:i + 2], 16) for i in range(0, 8, 2))
    return Frame(version, address, cid1, cid2, bytes.fromhex(body[12:].decode()))
