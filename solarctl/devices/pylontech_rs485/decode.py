"""`solarctl decode pylontech-rs485 FILE`: one answer frame (optionally after the request it answers, which
says the command; else a first line `cid2: 42`; else the command is found by which answer layout uses the
INFO exactly) -> its values."""

from __future__ import annotations

import re
from typing import Any

from solarctl.devices.pylontech_rs485 import answers
from solarctl.devices.pylontech_rs485.frames import RETURN_CODES, FrameError, decode

_CID2_LINE = re.compile(rb"\s*cid2\s*[:=]\s*(?:0x)?([0-9A-Fa-f]{2})\s*\n", re.IGNORECASE)
_GUESS_ORDER = (answers.ANALOG, answers.SYSTEM_PARAMETERS, answers.MANAGEMENT, answers.SERIAL,
                answers.MANUFACTURER, answers.ALARM)


def decode_frame(data: bytes) -> dict[str, Any]:
    command = None
    if match := _CID2_LINE.match(data):
        command, data = int(match.group(1), 16), data[match.end():]
    frames = [m.start() for m in re.finditer(rb"~", data)]
    if len(frames) > 1:  # the request, then the answer
        command = decode(data[frames[-2]:frames[-1]]).cid2
        data = data[frames[-1]:]
    frame = decode(data)
    if frame.cid2 != 0:
        raise FrameError(f"the battery answered with return code {frame.cid2:#04x} "
                         f"({RETURN_CODES.get(frame.cid2, 'unknown')}), no values")
    header = {"version": f"{frame.version >> 4}.{frame.version & 0xF}", "address": frame.address}
    if command is not None:
        if command not in answers.PARSERS:
            raise FrameError(f"no decoder for CID2 {command:#04x}")
        return {**header, **answers.PARSERS[command](frame.info)}
    if not frame.info:
        return {**header, **answers.protocol_version(frame.info)}
    for candidate in _GUESS_ORDER:
        try:
            return {**header, **answers.PARSERS[candidate](frame.info)}
        except FrameError:
            continue
    raise FrameError(f"INFO of {len(frame.info)} bytes fits no answer layout; name the command: a first line 'cid2: 42'")
