"""One PI30 frame: ASCII text, two CRC bytes, CR.

    request:  COMMAND CRC_HI CRC_LO \\r          e.g. b"QPIGS\\xb7\\xa9\\r"
    answer:   ( TEXT CRC_HI CRC_LO \\r            e.g. b"(B\\xe7\\xc9\\r"; a setting gets (ACK or (NAK

The CRC is CRC-16/XMODEM (polynomial 0x1021, start 0) over everything before it, `(` included. A CRC byte that
would read as `(`, CR or LF is sent one higher, so no CRC byte is mistaken for a frame's start or end: the
protocol's reserved-byte adjustment, which the check below applies too. A frame failing its checks is refused.
"""

from __future__ import annotations

from solarctl.errors import DecodeError

RESERVED = frozenset(b"(\r\n")
NAK = "NAK"
ACK = "ACK"


class FrameError(DecodeError):
    """A frame that fails its checks: one sentence saying which."""


def crc(data: bytes) -> bytes:
    """The two CRC bytes the protocol sends after `data`."""
    value = 0
    for byte in data:
        value ^= byte << 8
        for _ in range(8):
            value = ((value << 1) ^ 0x1021) if value & 0x8000 else value << 1
        value &= 0xFFFF
    return bytes(b + 1 if b in RESERVED else b for b in value.to_bytes(2, "big"))


def encode_request(command: str) -> bytes:
    body = command.encode("ascii")
    return body + crc(body) + b"\r"


def encode_answer(text: str) -> bytes:
    body = b"(" + text.encode("ascii")
    return body + crc(body) + b"\r"


def decode_request(frame: bytes) -> str:
    """The command of a request frame (CRC checked)."""
    return _checked(frame, request=True)


def decode_answer(frame: bytes) -> str:
    """The text of an answer frame, without `(`, CRC and CR. Some firmware answers a command it does not know
    with a bare NAK whose CRC bytes are fixed: a `NAK` text is returned as it is, for the caller to refuse."""
    return _checked(frame, request=False)


def _checked(frame: bytes, *, request: bool) -> str:
    if not frame.endswith(b"\r"):
        raise FrameError("a PI30 frame ends with CR; this one does not")
    if len(frame) < 4:
        raise FrameError(f"a PI30 frame has at least 4 bytes, this one {len(frame)}")
    body, sent = frame[:-3], frame[-3:-1]
    if not request and not body.startswith(b"("):
        raise FrameError(f"an answer starts with `(`, this one with {body[:1]!r}")
    if sent != crc(body):
        if body == b"(" + NAK.encode():
            return NAK  # a NAK is a NAK whatever its CRC bytes (some firmware sends fixed ones)
        raise FrameError(f"CRC {sent.hex().upper()}, the frame's bytes give {crc(body).hex().upper()}")
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        raise FrameError("the frame holds bytes that are not ASCII") from None
    if not text.isprintable():
        raise FrameError("the frame holds control characters before its CRC")
    return text if request else text[1:]
