"""`solarctl decode voltronic-pi30 FILE`: a first line naming the command sent (`QPIGS`, `QPIRI`, `QMOD`, `QPIWS`,
`QFLAG`, `QPI`, `QID`, `QSID`, `QVFW`), then the answer's bytes as they came from the wire, `(` to CR with its
CRC. The CRC is checked; a NAK, or an answer that is not what the command's layout says, is refused."""

from __future__ import annotations

from typing import Any

from solarctl.devices.voltronic import answers
from solarctl.devices.voltronic.frames import NAK, FrameError, decode_answer


def decode_capture(data: bytes) -> dict[str, Any]:
    line, _, rest = data.partition(b"\n")
    command = line.strip().decode("ascii", "replace").upper()
    if command not in answers.PARSERS:
        raise FrameError(f"the first line names the command sent ({', '.join(answers.PARSERS)}), not {command[:20]!r}")
    start = rest.find(b"(")
    if start < 0:
        raise FrameError("no answer: nothing after the command line starts with `(`")
    text = decode_answer(rest[start:rest.index(b"\r", start) + 1] if b"\r" in rest[start:] else rest[start:])
    if text == NAK:
        raise FrameError(f"the inverter answered {command} with NAK: no values")
    values = answers.PARSERS[command](text)
    return {"command": command, **values}

