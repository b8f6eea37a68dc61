"""JK PB bus protocol: an FC10 "trigger" write answered by a 300-byte 0x55AA frame and an FC10 ACK.

This is what the PB BMS at DIP address 0 (the bus master) and JK's PC tool use to poll the packs
(write-ups of dbus-serialbattery and of an ESP32 MUST/JK controller; notes-must-jk.md §3.5).

Request (11 bytes): unit 10 | trigger register | 00 01 | 02 | 00 00 | CRC - a Modbus write of 0 to
  0x161E -> frame type 1, the settings area (0x1000)
  0x1620 -> frame type 2, the live area (0x1200)
  0x161C -> frame type 3, the device-info area (0x1400)
Answer: [echo of the request, on half-duplex adapters] then the frame
  55 AA EB 90 | type | counter | bytes 0..292 of the area, little-endian | sum of bytes 0..298 mod 256
then 00 | FC10 ACK (unit 10 | trigger register | 00 01 | CRC) | 00.
The frame carries no address (bytes 4-5 are its type and a counter): the ACK says who answered.
Field offsets in the frame are the Modbus map's byte offsets + 6, so the one JK_PB map decodes
both, lsb_first here. A live frame comes in one of two layouts (registers.LIVE_LAYOUTS: JK02_32S of the PB
series and newer firmware, JK02_24S of the older 24-cell BMSs); the frame itself says which (`live_layout`):
exactly one must fit, or the frame is refused. Settings and device-info frames have one layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Mapping

from solarctl.devices.jk.errors import FrameError
from solarctl.devices.jk.battery import layout_mismatch, pb_values
from solarctl.devices.jk.capture import hex_bytes
from solarctl.devices.jk.registers import INFO_AREA, JK02_32S, JK_PB, LIVE_AREA, LIVE_LAYOUTS, SETTINGS_AREA, LiveLayout
from solarctl.modbus.rtu import crc_ok, encode_frame
from solarctl.registers.codec import bytes_to_words, decode_block, encode_block, words_to_bytes
from solarctl.registers.model import ByteOrder
from solarctl.sample import Value

ORDER = ByteOrder.LSB_FIRST
HEADER = b"\x55\xaa\xeb\x90"
FRAME_LENGTH = 300
DATA_LENGTH = FRAME_LENGTH - 7  # after header, type and counter; before the checksum
WRITE_MULTIPLE = 0x10
MAX_ECHO = 11  # the request, echoed back by some adapters before the answer


class FrameType(IntEnum):
    SETTINGS = 1
    LIVE = 2
    INFO = 3


TRIGGERS = {FrameType.SETTINGS: 0x161E, FrameType.LIVE: 0x1620, FrameType.INFO: 0x161C}
AREAS = {FrameType.SETTINGS: SETTINGS_AREA, FrameType.LIVE: LIVE_AREA, FrameType.INFO: INFO_AREA}
_BY_TRIGGER = {register: kind for kind, register in TRIGGERS.items()}


@dataclass(frozen=True)
class Reply:
    unit: int  # the Modbus address that acknowledged
    frame_type: FrameType
    values: dict[str, Value]  # the area's registers (raw; pb_values() turns live ones into metrics)
    layout: LiveLayout = JK02_32S  # of a live frame

    def metrics(self) -> dict[str, Value]:
        """A live frame's metrics; the registers of any other."""
        return pb_values(self.values, self.layout) if self.frame_type is FrameType.LIVE else self.values


def trigger_request(unit: int, frame_type: FrameType) -> bytes:
    """The FC10 write that makes `unit` send one frame of `frame_type`."""
    return encode_frame(unit, bytes((WRITE_MULTIPLE,)) + TRIGGERS[frame_type].to_bytes(2, "big") + bytes.fromhex("0001020000"))


def parse_trigger_request(frame: bytes) -> tuple[int, FrameType]:
    """Simulator side: an 11-byte trigger request -> (unit, frame type asked for)."""
    if len(frame) != 11 or not crc_ok(frame):
        raise FrameError("not a trigger request: wrong length or CRC")
    register = int.from_bytes(frame[2:4], "big")
    if frame[1] != WRITE_MULTIPLE or frame[4:7] != bytes.fromhex("000102") or register not in _BY_TRIGGER:
        raise FrameError(f"not a trigger request: {frame.hex(' ')}")
    return frame[0], _BY_TRIGGER[register]


def ack(unit: int, frame_type: FrameType) -> bytes:
    """The FC10 acknowledgement a unit sends after its frame."""
    return encode_frame(unit, bytes((WRITE_MULTIPLE,)) + TRIGGERS[frame_type].to_bytes(2, "big") + b"\x00\x01")


def parse_ack(frame: bytes) -> tuple[int, FrameType]:
    """An 8-byte FC10 acknowledgement of a trigger -> (unit, frame type)."""
    if len(frame) != 8 or not crc_ok(frame):
        raise FrameError("no valid FC10 acknowledgement (wrong length or CRC)")
    register = int.from_bytes(frame[2:4], "big")
    if frame[1] != WRITE_MULTIPLE or frame[4:6] != b"\x00\x01" or register not in _BY_TRIGGER:
        raise FrameError(f"not a trigger acknowledgement: {frame.hex(' ')}")
    return frame[0], _BY_TRIGGER[register]


def build_frame(frame_type: FrameType, values: Mapping[str, Value]) -> bytes:
    """Simulator side: a 300-byte frame holding `values` (JK_PB register names of that area)."""
    words = encode_block(JK_PB.registers, AREAS[frame_type], (DATA_LENGTH + 1) // 2, values, ORDER, byte_addressed=True)
    frame = HEADER + bytes((frame_type, 0)) + words_to_bytes(words, ORDER)[:DATA_LENGTH]
    return frame + bytes((sum(frame) & 0xFF,))


def live_layout(words: list[int]) -> tuple[LiveLayout, dict[str, Value]]:
    """The one live layout the frame's words fit, and its registers decoded with it."""
    fits, reasons = [], []
    for layout in LIVE_LAYOUTS:
        raw = decode_block(layout.registers, LIVE_AREA, words, ORDER, byte_addressed=True)
        mismatch = layout_mismatch(raw, layout)
        if mismatch:
            reasons.append(f"not {layout.name} ({mismatch})")
        else:
            fits.append((layout, raw))
    if len(fits) != 1:
        said = "; ".join(reasons) if not fits else f"it fits {' and '.join(layout.name for layout, _ in fits)}"
        raise FrameError(f"live frame in no known layout: {said}; refused")
    return fits[0]


def parse_frame(frame: bytes) -> tuple[FrameType, dict[str, Value]]:
    """A 300-byte 0x55AA frame -> (type, the area's register values); see parse_frame_layout."""
    kind, values, _ = parse_frame_layout(frame)
    return kind, values


def parse_frame_layout(frame: bytes) -> tuple[FrameType, dict[str, Value], LiveLayout]:
    """A 300-byte 0x55AA frame -> (type, the area's register values, the live layout (JK02_32S for other types))."""
    if len(frame) != FRAME_LENGTH:
        raise FrameError(f"a 0x55AA frame is {FRAME_LENGTH} bytes, got {len(frame)}")
    if frame[:4] != HEADER:
        raise FrameError(f"frame does not start with 55 AA EB 90 (starts {frame[:4].hex(' ')})")
    checksum = sum(frame[:-1]) & 0xFF
    if checksum != frame[-1]:
        raise FrameError(f"frame checksum mismatch: bytes sum to {checksum:#04x}, frame says {frame[-1]:#04x}")
    if frame[4] not in FrameType.__members__.values():
        raise FrameError(f"unknown frame type {frame[4]:#04x}")
    kind = FrameType(frame[4])
    words = bytes_to_words(frame[6:-1], ORDER)
    if kind is FrameType.LIVE:
        layout, values = live_layout(words)
        return kind, values, layout
    return kind, decode_block(JK_PB.registers, AREAS[kind], words, ORDER, byte_addressed=True), JK02_32S


def build_reply(unit: int, frame_type: FrameType, values: Mapping[str, Value]) -> bytes:
    """Simulator side: everything a unit sends after a trigger."""
    return build_frame(frame_type, values) + b"\x00" + ack(unit, frame_type) + b"\x00"


def _frame_start(data: bytes) -> int:
    start = data.find(HEADER)
    if start < 0:
        raise FrameError("no 55 AA EB 90 frame header in the answer")
    if start > MAX_ECHO:
        raise FrameError(f"{start} unexpected bytes before the frame header")
    return start


def parse_reply(data: bytes) -> Reply:
    """Bytes received after a trigger (optional echo, frame, 00, ACK, optional 00) -> Reply."""
    start = _frame_start(data)
    kind, values, layout = parse_frame_layout(data[start : start + FRAME_LENGTH])
    rest = data[start + FRAME_LENGTH :]
    for candidate in (rest[1:9], rest[0:8]):  # the 00 pad is normally there; an ACK may start 00 too
        try:
            unit, acked = parse_ack(candidate)
        except FrameError:
            continue
        if acked is not kind:
            raise FrameError(f"the acknowledgement is for a {acked.name.lower()} trigger but the frame is {kind.name.lower()}")
        return Reply(unit, kind, values, layout)
    raise FrameError("no valid FC10 acknowledgement after the frame")


def decode_capture(data: bytes) -> dict[str, Value]:
    """`solarctl decode jk-pb`: hex of a 300-byte 0x55AA frame, alone or as a whole answer
    (optional request echo, frame, 00, FC10 ACK, 00). A live frame's answer names its layout."""
    raw = hex_bytes(data)
    start = _frame_start(raw)
    if len(raw) == start + FRAME_LENGTH:
        reply = Reply(0, *parse_frame_layout(raw[start:]))
        head: dict[str, Value] = {"frame_type": reply.frame_type.name.lower()}
    else:
        reply = parse_reply(raw)
        head = {"frame_type": reply.frame_type.name.lower(), "address": reply.unit}
    if reply.frame_type is FrameType.LIVE:
        head["layout"] = reply.layout.name
    return head | reply.metrics()
