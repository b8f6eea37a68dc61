"""JK PB over standard Modbus RTU (FC03 reads, FC10 writes): offline captures.

Live use needs nothing here: plan reads with plan_map(JK_PB, "fast"), send FC03 for each block
and decode its registers with Block.decode(words, JK_PB.byte_order) (the map is byte-addressed),
then pb_values(); write a switch with FC10 of encode(reg, value) at reg.address, e.g.
encode(JK_PB.setting("balancer_enabled"), "on") -> [0x0000, 0x0001] at 0x1078.
"""

from __future__ import annotations

from solarctl.devices.jk.errors import FrameError
from solarctl.devices.jk.battery import pb_values
from solarctl.devices.jk.capture import hex_bytes
from solarctl.devices.jk.registers import JK_PB, LIVE_AREA
from solarctl.modbus.rtu import crc_ok
from solarctl.registers.codec import bytes_to_words, decode_block
from solarctl.sample import Value

READ_HOLDING = 0x03
RAW_HEADER = b"registers 0x1200"  # first line of a raw register dump (no Modbus framing to check)


def fc03_data(frame: bytes) -> tuple[int, bytes]:
    """An FC03 response ADU (unit, 03, byte count, data, CRC) -> (unit, data)."""
    if len(frame) < 5:
        raise FrameError(f"FC03 response too short ({len(frame)} bytes)")
    if not crc_ok(frame):
        raise FrameError("FC03 response CRC mismatch")
    if frame[1] == READ_HOLDING | 0x80:
        raise FrameError(f"the device answered Modbus exception {frame[2]:#04x}")
    if frame[1] != READ_HOLDING:
        raise FrameError(f"not an FC03 response: function {frame[1]:#04x}")
    if not 1 <= frame[0] <= 247:
        raise FrameError(f"FC03 response from address {frame[0]}: no device answers from 0 or 248-255")
    if frame[2] != len(frame) - 5 or frame[2] % 2:
        raise FrameError(f"FC03 byte count {frame[2]} does not match the {len(frame) - 5} data bytes")
    return frame[0], frame[3:-2]


def decode_live(data: bytes) -> dict[str, Value]:
    """The bytes of a read starting at 0x1200 (as FC03 carries them) -> battery metrics."""
    words = bytes_to_words(data, JK_PB.byte_order)
    return pb_values(decode_block(JK_PB.group("fast"), LIVE_AREA, words, JK_PB.byte_order, byte_addressed=True))


def decode_capture(data: bytes) -> dict[str, Value]:
    """`solarctl decode jk-modbus`: hex of one complete FC03 response ADU (unit, 03, byte count, data,
    CRC: framing, length, CRC and function code are checked), or a raw register dump whose first line is
    `registers 0x1200` (big-endian words of a read starting there). Anything else is refused: data
    without framing or header cannot be told from a truncated or foreign frame."""
    first_line, _, rest = data.partition(b"\n")
    if first_line.strip().lower() == RAW_HEADER:
        raw = hex_bytes(rest)
        if len(raw) % 2:
            raise FrameError(f"a raw register dump is whole 16-bit words; this one has {len(raw)} bytes")
        return decode_live(raw)
    raw = hex_bytes(data)
    if raw[:1] and raw[1:2] not in (bytes((READ_HOLDING,)), bytes((READ_HOLDING | 0x80,))):
        raise FrameError(f"not an FC03 response ADU (second byte {raw[1:2].hex() or 'missing'}, expected 03); "
                         f"a raw register dump starts with the line '{RAW_HEADER.decode()}'")
    return decode_live(fc03_data(raw)[1])
